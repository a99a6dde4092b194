// Which connector serves which kind of source. Built once by the composition root (src/app.ts), which registers the
// connectors the instance is configured for; the services and the source_event job ask it by kind. Tests register a
// connector of their own (test/helpers/fakeSource.ts).
import { AppError } from '../domain/errors.js';
import type { SourceConnector, SourceKind } from './types.js';

export interface SourceRegistry {
  /** The connector of a kind; a CONFLICT when this instance has none (not configured). */
  get(kind: SourceKind): SourceConnector;
  has(kind: SourceKind): boolean;
  /** Adds (or replaces) the connector of its kind. */
  register(connector: SourceConnector): void;
}

export function createSourceRegistry(connectors: SourceConnector[] = []): SourceRegistry {
  const byKind = new Map<SourceKind, SourceConnector>();
  const registry: SourceRegistry = {
    get(kind) {
      const connector = byKind.get(kind);
      if (!connector) throw new AppError('CONFLICT', `This server has no ${kind} connector configured`, { kind });
      return connector;
    },
    has: (kind) => byKind.has(kind),
    register(connector) {
      byKind.set(connector.kind, connector);
    },
  };
  for (const connector of connectors) registry.register(connector);
  return registry;
}
