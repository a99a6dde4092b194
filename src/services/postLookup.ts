// A post of the caller's workspace with its deliveries and their channels, as the services that change posts look
// it up (posts.ts, approval.ts, previewLinks.ts share it rather than each keeping a copy).
import { notFound } from '../domain/errors.js';
import type { ServiceDeps } from './deps.js';
import { isUuid } from './validation.js';

export async function findPost(deps: Pick<ServiceDeps, 'prisma'>, workspaceId: string, id: string) {
  const post = isUuid(id) ? await deps.prisma.post.findFirst({ where: { id, workspaceId }, include: { deliveries: { include: { channel: true } } } }) : null;
  if (!post) throw notFound('Post', id);
  return post;
}

export type FoundPost = Awaited<ReturnType<typeof findPost>>;

/** A deleted channel's deliveries stay cancelled: the worker never claims them, so nothing counts them as live. */
export const liveDeliveries = (post: FoundPost) => post.deliveries.filter((d) => d.channel.deletedAt === null);

/** The GraphQL layer loads relations it is asked for; a stale, partial list here would be served as is. */
export function withoutRelations<T extends { deliveries?: unknown }>(post: T): Omit<T, 'deliveries'> {
  const { deliveries: _loaded, ...rest } = post;
  return rest;
}
