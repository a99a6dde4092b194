// Content sources' GraphQL: reading them, their events and imports is the team's; creating, rules, secrets and
// imports an ADMIN's (connectShopifyStart a person's session, which the console has).
import { gql } from '../../graphql';
import { PAGE_INFO, type Connection } from '../../dataProvider/relay';

export type SourceKind = 'FEED' | 'SHOPIFY' | 'WORDPRESS';

export interface Source {
  id: string;
  kind: SourceKind;
  name: string;
  externalId: string;
  status: 'ACTIVE' | 'DISCONNECTED' | 'UNINSTALLED';
  missingScopes: string[];
  rules: SourceRules;
  createdAt: string;
  updatedAt: string;
}

/** The rules as the API reads them back (every field with its value); the form edits some and keeps the others. */
export interface SourceRules {
  events: string[];
  channelIds: string[];
  templates: { default: string; byNetwork?: Record<string, string>; byChannel?: Record<string, string> };
  timing: { mode: 'SMART' | 'IMMEDIATE' | 'DELAY'; delayMinutes?: number | null };
  priority: number;
  utm: { enabled: boolean; campaign?: string | null; medium?: string | null };
  requiresApproval: boolean;
  [more: string]: unknown;
}

export interface SourceEvent {
  id: string;
  eventId: string;
  change: string;
  itemExternalId: string | null;
  outcome: string;
  reason: string;
  postIds: string[];
  receivedAt: string;
}

export interface SourceImport {
  id: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  seen: number;
  processed: number;
  postsCreated: number;
  skipped: number;
  errors: number;
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface SiteSecrets {
  siteKey: string | null;
  signingSecret: string | null;
}

export const SOURCES_KEY = ['postflow', 'sources'];
const FIELDS = 'id kind name externalId status missingScopes rules createdAt updatedAt';
const EVENT_FIELDS = 'id eventId change itemExternalId outcome reason postIds receivedAt';
const IMPORT_FIELDS = 'id status seen processed postsCreated skipped errors lastError startedAt finishedAt';

export const fetchSources = async () => (await gql<{ sources: Source[] }>(`query Sources { sources { ${FIELDS} } }`)).sources;

export const fetchSource = async (id: string) => (await gql<{ source: Source }>(`query Source($id: ID!) { source(id: $id) { ${FIELDS} } }`, { id })).source;

export const createSource = async (input: { kind: SourceKind; name: string; url: string }) =>
  (
    await gql<{ createSource: SiteSecrets & { source: Source } }>(
      `mutation CreateSource($input: CreateSourceInput!) { createSource(input: $input) { siteKey signingSecret source { ${FIELDS} } } }`,
      { input },
    )
  ).createSource;

export const rotateSourceSecret = async (id: string) =>
  (await gql<{ rotateSourceSecret: SiteSecrets }>('mutation RotateSourceSecret($id: ID!) { rotateSourceSecret(id: $id) { siteKey signingSecret } }', { id })).rotateSourceSecret;

export const updateSource = (id: string, input: { name: string; rules: SourceRules }) =>
  gql(`mutation UpdateSource($id: ID!, $input: UpdateSourceInput!) { updateSource(id: $id, input: $input) { ${FIELDS} } }`, { id, input });

export const disconnectSource = (id: string) => gql('mutation DisconnectSource($id: ID!) { disconnectSource(id: $id) { id status } }', { id });

export const fetchEvents = async (sourceId: string, first: number, after: string | null, outcome: string | null) =>
  (
    await gql<{ sourceEvents: Connection<SourceEvent> }>(
      `query SourceEvents($sourceId: ID!, $first: Int, $after: String, $filter: SourceEventFilter) {
        sourceEvents(sourceId: $sourceId, first: $first, after: $after, filter: $filter) { edges { cursor node { ${EVENT_FIELDS} } } ${PAGE_INFO} }
      }`,
      { sourceId, first, after, filter: outcome ? { outcome } : null },
    )
  ).sourceEvents;

export const fetchImports = async (sourceId: string) =>
  (await gql<{ sourceImports: SourceImport[] }>(`query SourceImports($sourceId: ID!) { sourceImports(sourceId: $sourceId) { ${IMPORT_FIELDS} } }`, { sourceId })).sourceImports;

export const importCatalog = (sourceId: string) => gql(`mutation ImportCatalog($sourceId: ID!) { importCatalog(sourceId: $sourceId) { ${IMPORT_FIELDS} } }`, { sourceId });

export const connectShopifyStart = async (shop: string, backInStock: boolean) =>
  (
    await gql<{ connectShopifyStart: { url: string } }>(
      'mutation ConnectShopifyStart($shop: String!, $backInStock: Boolean) { connectShopifyStart(shop: $shop, backInStock: $backInStock) { url } }',
      { shop, backInStock },
    )
  ).connectShopifyStart;
