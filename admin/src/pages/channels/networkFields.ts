// The one place the console knows a network's fields: what createChannel's `credentials` hold per platform (from
// docs/networks/<platform>.md and each provider's credentials schema), and what connectChannelStart's `account`
// may choose. Labels and help are messages (postflow.channels.field.<name>, ...help.<name>); the server checks the
// values and names the field it refuses.

export interface NetworkField {
  /** The key in credentials (or account), and the message key of its label. */
  name: string;
  /** A token, password or URL holding one: typed in a password input and never shown back. */
  secret?: boolean;
  required?: boolean;
  /** Sent as a JSON number (VK's ownerId). */
  number?: boolean;
}

const oauthTokens = (extra: NetworkField[] = []): NetworkField[] => [
  { name: 'accessToken', secret: true, required: true },
  { name: 'refreshToken', secret: true },
  { name: 'expiresAt' },
  ...extra,
];

/** The credentials a channel of each network is created with, by hand. */
export const CREDENTIAL_FIELDS: Record<string, NetworkField[]> = {
  BLUESKY: [{ name: 'identifier', required: true }, { name: 'appPassword', secret: true, required: true }, { name: 'service' }],
  DISCORD: [{ name: 'webhookUrl', secret: true, required: true }],
  FACEBOOK: [
    { name: 'pageId', required: true },
    { name: 'pageAccessToken', secret: true, required: true },
  ],
  INSTAGRAM: [{ name: 'igUserId', required: true }, { name: 'accessToken', secret: true, required: true }, { name: 'pageId' }],
  LINKEDIN: oauthTokens([{ name: 'organizationId' }]),
  MASTODON: [
    { name: 'instanceUrl', required: true },
    { name: 'accessToken', secret: true, required: true },
  ],
  PINTEREST: oauthTokens([{ name: 'boardId' }]),
  TELEGRAM: [
    { name: 'botToken', secret: true, required: true },
    { name: 'chatId', required: true },
  ],
  THREADS: [{ name: 'threadsUserId', required: true }, { name: 'accessToken', secret: true, required: true }, { name: 'expiresAt' }],
  VK: oauthTokens([{ name: 'deviceId' }, { name: 'ownerId', number: true }]),
  WEBHOOK: [
    { name: 'url', required: true },
    { name: 'secret', secret: true, required: true },
  ],
  X: oauthTokens([{ name: 'clientId' }, { name: 'clientSecret', secret: true }]),
};

/** Which account to post as, where one login reaches several (connectChannelStart's input.account). */
export const ACCOUNT_FIELDS: Record<string, NetworkField[]> = {
  FACEBOOK: [{ name: 'pageId' }],
  INSTAGRAM: [{ name: 'pageId' }],
  LINKEDIN: [{ name: 'organizationId' }],
  PINTEREST: [{ name: 'boardId' }],
  VK: [{ name: 'ownerId', number: true }],
};

/** The values as the API takes them: empty optional fields left out, numbers as numbers. */
export function fieldValues(fields: NetworkField[], values: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values?.[field.name];
    if (raw === undefined || raw === null || String(raw).trim() === '') continue;
    out[field.name] = field.number && !Number.isNaN(Number(raw)) ? Number(raw) : typeof raw === 'string' ? raw.trim() : raw;
  }
  return out;
}
