// The access a source's stored grant lacks for what its rules ask (Shopify: back-in-stock posts need read_inventory,
// since Shopify sends inventory_levels/update only to an app granted it). The connector knows its store's scopes;
// this only hands it the sealed grant and the rules' events. Shown as `source { missingScopes }`: install again to grant them.
import { storedSourceRules } from '../domain/sourceRules.js';
import type { SourceKind } from '../sources/types.js';
import type { ServiceDeps } from './deps.js';

export function missingScopesOf(deps: Pick<ServiceDeps, 'sources' | 'secrets'>, source: { kind: SourceKind; credentialsSealed: string | null; rules: unknown }): string[] {
  if (!source.credentialsSealed || !deps.sources.has(source.kind)) return [];
  const connector = deps.sources.get(source.kind);
  if (!connector.missingScopes) return [];
  const credentials = JSON.parse(deps.secrets.open(source.credentialsSealed)) as Record<string, unknown>;
  return connector.missingScopes(credentials, storedSourceRules(source.rules).events);
}
