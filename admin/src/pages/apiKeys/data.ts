// API keys' GraphQL (an ADMIN's; creating one needs a person's session, which the console has).
import { gql } from '../../graphql';

export const API_SCOPES = ['POSTS_READ', 'POSTS_WRITE', 'CHANNELS_READ', 'CHANNELS_WRITE', 'SOURCES_READ', 'SOURCES_WRITE', 'MEMBERS_WRITE'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: string;
  createdBy: { email: string };
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const API_KEYS_KEY = ['postflow', 'apiKeys'];
const FIELDS = 'id name prefix scopes createdAt createdBy { email } expiresAt lastUsedAt revokedAt';

export const fetchApiKeys = async (includeRevoked: boolean) =>
  (await gql<{ apiKeys: ApiKey[] }>(`query ApiKeys($includeRevoked: Boolean) { apiKeys(includeRevoked: $includeRevoked) { ${FIELDS} } }`, { includeRevoked })).apiKeys;

export interface NewApiKey {
  name: string;
  /** Empty: every scope the creator's role allows (the API's default). */
  scopes: ApiScope[];
  expiresInDays: number | null;
}

export const createApiKey = async (input: NewApiKey) =>
  (
    await gql<{ createApiKey: { key: string; apiKey: ApiKey } }>(
      `mutation CreateApiKey($name: String!, $scopes: [ApiScope!], $expiresInDays: Int) {
        createApiKey(name: $name, scopes: $scopes, expiresInDays: $expiresInDays) { key apiKey { ${FIELDS} } }
      }`,
      { name: input.name, scopes: input.scopes.length ? input.scopes : null, expiresInDays: input.expiresInDays },
    )
  ).createApiKey;

export const revokeApiKey = (id: string) => gql('mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id });
