// The WORDPRESS connector: the plugin sends each item whole with its event (PROTOCOL.md), so there is nothing to
// fetch; fetchItem answers the item the event carried (queued with it in the source_event job). No import either:
// the plugin's "Share with PostFlow" bulk action sends item.share events instead.
import type { SourceConnector } from '../../../src/sources/types.js';

export function createWordPressConnector(): SourceConnector {
  return {
    kind: 'WORDPRESS',
    itemKind: 'ARTICLE',
    fetchItem: async (_source, _externalId, change) => change?.item ?? null,
  };
}
