// deliveries(filter, orderBy, first, after, last, before): the console's queue, calendar and history, and any API
// client's. The store pages by a keyset (the order is an expression Prisma cannot sort by). A selection of the
// delivery's own fields and its post's and channel's (the queue's and the calendar's) is read whole by that one
// statement; a deeper one (attempts, a post's deliveries or comments) reads the page's ids there, then the rows
// through Prisma with the plan of the selection, so nothing beneath costs a round per delivery either way.
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { formatPrismaCursor, parsePrismaCursor, queryFromInfo } from '@pothos/plugin-prisma';
import { builder, DEFAULT_PAGE_SIZE } from './builder.js';
import { DeliveryStatusEnum, PostSourceEnum } from './enums.js';
import { requireAuth } from './context.js';
import { DeliveryObject } from './delivery.js';
import type { Delivery } from '../generated/prisma/client.js';
import { countMatchingDeliveries, deliveryQuery, findDeliveries, findDeliveryIds, MAX_DELIVERY_PAGE } from '../services/deliveryQueries.js';

const DeliveryOrderFieldEnum = builder.enumType('DeliveryOrderField', {
  values: {
    SCHEDULED_AT: { description: "The delivery's time: publishedAt once published, else scheduledAt. Deliveries without one come last (ASC) or first (DESC)." },
    CREATED_AT: { description: 'When the delivery was created.' },
    UPDATED_AT: { description: 'When the delivery last changed.' },
  } as const,
});

const SortDirectionEnum = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });

const DeliveryOrder = builder.inputType('DeliveryOrder', {
  fields: (t) => ({
    field: t.field({ type: DeliveryOrderFieldEnum, description: 'Default SCHEDULED_AT.' }),
    direction: t.field({ type: SortDirectionEnum, description: 'Default ASC. DESC is exactly the reverse order (ties by id).' }),
  }),
});

const DeliveryFilter = builder.inputType('DeliveryFilter', {
  description: 'Every field narrows the list; together they all apply. An empty list matches nothing.',
  fields: (t) => ({
    from: t.field({
      type: 'DateTime',
      description: 'Deliveries whose time (publishedAt once published, else scheduledAt) is at or after this instant. With from or to, deliveries without a time are left out.',
    }),
    to: t.field({ type: 'DateTime', description: 'Deliveries whose time is before this instant (at most 366 days after from).' }),
    channelIds: t.idList(),
    statuses: t.field({ type: [DeliveryStatusEnum] }),
    sources: t.field({ type: [PostSourceEnum], description: "Where the posts came from: [MANUAL, IMPORT] are people's posts, [PRODUCT, ARTICLE] the content sources'." }),
    sourceIds: t.idList({ description: 'Deliveries of posts made by these content sources (source { id }).' }),
    text: t.string({ description: "A case-insensitive part of the post's text or of the delivery's contentOverride." }),
    postId: t.id(),
  }),
});

/** The connection as the resolver answers it: the page, and the count of every page, run only when asked for. */
interface Counted {
  countAll(): Promise<number>;
}

/**
 * Whether the plan of the selection asks for no more than the store's whole rows hold: every field of the delivery,
 * of its post and of its channel (Pothos reads a relation from the row once the plan mapped it, and `true` is a
 * relation without a selection of its own beneath).
 */
const rowsServe = (plan: { select?: unknown; include?: Record<string, unknown> }): boolean =>
  plan.select === undefined && Object.entries(plan.include ?? {}).every(([relation, nested]) => (relation === 'post' || relation === 'channel') && nested === true);

/** A page's cursors are Prisma cursors of the delivery's id (the shape every connection here gives out). */
const cursorId = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined) return undefined;
  try {
    const id = parsePrismaCursor(cursor);
    return typeof id === 'string' ? id : cursor;
  } catch {
    return cursor;
  }
};

builder.queryFields((t) => ({
  deliveries: t.connection(
    {
      type: DeliveryObject,
      description: `The workspace's deliveries, by default in time order (soonest first). Pages of up to ${MAX_DELIVERY_PAGE}; totalCount counts every page of the same filter.`,
      args: { filter: t.arg({ type: DeliveryFilter }), orderBy: t.arg({ type: DeliveryOrder }) },
      resolve: async (_root, args, ctx, info) => {
        const { workspaceId } = requireAuth(ctx);
        const query = deliveryQuery(
          workspaceId,
          args.filter && {
            ...args.filter,
            channelIds: args.filter.channelIds?.map(String),
            sourceIds: args.filter.sourceIds?.map(String),
            postId: args.filter.postId == null ? null : String(args.filter.postId),
          },
          args.orderBy,
          { first: args.first, last: args.last, after: cursorId(args.after ?? undefined), before: cursorId(args.before ?? undefined) },
        );
        // Planning records how the rows map to the selection, which is what lets Delivery.post read row.post.
        const select = queryFromInfo({ context: ctx, info, typeName: 'Delivery', path: ['edges', 'node'] });
        const whole = rowsServe(select);
        const page = await resolveCursorConnection<Promise<Delivery[]>>(
          { args, defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_DELIVERY_PAGE, toCursor: (delivery) => formatPrismaCursor(delivery as Delivery, 'id') },
          async ({ after, before, limit, inverted }): Promise<Delivery[]> => {
            const keyset = { after: cursorId(after), before: cursorId(before), limit, inverted };
            if (whole) return findDeliveries(ctx.services, query, keyset);
            const ids = await findDeliveryIds(ctx.services, query, keyset);
            const found = (await ctx.prisma.delivery.findMany({ ...select, where: { id: { in: ids }, workspaceId } })) as Delivery[];
            const byId = new Map(found.map((d) => [d.id, d]));
            return ids.flatMap((id) => byId.get(id) ?? []);
          },
        );
        return { edges: page.edges, pageInfo: page.pageInfo, countAll: () => countMatchingDeliveries(ctx.services, query) };
      },
    },
    {
      fields: (c) => ({
        totalCount: c.int({ description: 'How many deliveries match the filter, on every page together.', resolve: (connection) => (connection as unknown as Counted).countAll() }),
      }),
    },
  ),
}));
