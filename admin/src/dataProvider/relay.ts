// react-admin's page/perPage over a Relay connection's first/after. A page's `after` is the endCursor of the page
// before it, remembered per list (resource + filter + sort + perPage); a page whose cursor is not known yet (a
// bookmarked page 4) is reached by walking the pages before it. With totalCount the list says how many there are
// in all; without it, react-admin's partial pagination (pageInfo: has a next page, has a previous one).
import type { GetListParams, GetListResult, RaRecord } from 'react-admin';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number | null;
}

export interface PageRequest {
  first: number;
  after: string | null;
  filter: GetListParams['filter'];
  sort: GetListParams['sort'];
}

/** The pageInfo fields relayList needs: put them in the connection's selection (and totalCount where it exists). */
export const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

/** Pages fetched to reach a page whose cursor is unknown, at most: past that, the caller asks for a nearer page. */
const MAX_WALK = 20;

export function relayList<T extends RaRecord>(fetchPage: (request: PageRequest) => Promise<Connection<T>>) {
  // list key -> page number -> that page's `after` (page 1's is null)
  const cursors = new Map<string, Map<number, string | null>>();

  // (resource, params): how index.ts calls every module's getList, like react-admin's own getList.
  return async function getList(_resource: string, params: GetListParams): Promise<GetListResult<T>> {
    const page = params.pagination?.page ?? 1;
    const perPage = params.pagination?.perPage ?? 25;
    const { filter, sort } = params;
    const key = JSON.stringify([filter, sort, perPage]);
    const known = cursors.get(key) ?? new Map<number, string | null>([[1, null]]);
    cursors.set(key, known);

    let from = Math.max(...[...known.keys()].filter((n) => n <= page));
    if (page - from > MAX_WALK) throw new Error(`page ${page} is too far from the last page seen (${from}): go there page by page`);
    let connection = await fetchPage({ first: perPage, after: known.get(from) ?? null, filter, sort });
    while (from < page) {
      if (!connection.pageInfo.hasNextPage) break;
      known.set(from + 1, connection.pageInfo.endCursor);
      from += 1;
      connection = await fetchPage({ first: perPage, after: known.get(from) ?? null, filter, sort });
    }
    if (connection.pageInfo.hasNextPage) known.set(from + 1, connection.pageInfo.endCursor);
    const data = from === page ? connection.edges.map((edge) => edge.node) : [];
    if (typeof connection.totalCount === 'number') return { data, total: connection.totalCount };
    return { data, pageInfo: { hasNextPage: from === page && connection.pageInfo.hasNextPage, hasPreviousPage: page > 1 } };
  };
}
