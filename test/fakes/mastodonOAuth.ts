// The OAuth half of the loopback Mastodon instance, as Mastodon (Doorkeeper) speaks it: apps registered per instance
// with POST /api/v1/apps, GET /oauth/authorize (here a user who approves at once: 302 to the redirect_uri with
// ?code&state), POST /oauth/token exchanging the code for a token that never expires and comes without a refresh
// token. Stricter than a real instance in one way: PKCE (S256) is required, so a client that forgets it fails here.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, s256, sendJson, sendText } from './httpFake.js';

export interface MastodonOAuthApp {
  id: string;
  name: string;
  website: string | null;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  scopes: string[];
}

export interface MastodonIssuedToken {
  token: string;
  clientId: string;
  scopes: string[];
}

export interface MastodonOAuthRequest {
  method: string;
  path: string;
  /** Query parameters, or the body's fields (form or JSON). */
  params: Record<string, unknown>;
  /** HTTP status answered. */
  status: number;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge: string;
  expiresAt: number;
  used: boolean;
}

export interface MastodonOAuth {
  apps: MastodonOAuthApp[];
  tokens: MastodonIssuedToken[];
  requests: MastodonOAuthRequest[];
  handles(method: string, path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void>;
  /** The scopes of a token issued here; null when it was never issued or is revoked. */
  scopesOf(token: string): string[] | null;
  revokeAll(): void;
}

/** Doorkeeper's configured scopes on Mastodon: the top-level ones and their granular children. */
const TOP_SCOPES = ['read', 'write', 'follow', 'push', 'profile', 'admin:read', 'admin:write'];
const CODE_TTL_MS = 10 * 60 * 1000;

const INVALID_CLIENT = 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.';
const INVALID_GRANT =
  'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const INVALID_REDIRECT = "The requested redirect uri is malformed or doesn't match client redirect URI.";

function knownScope(scope: string): boolean {
  return TOP_SCOPES.includes(scope) || /^(read|write|admin:read|admin:write):[a-z_]+$/.test(scope);
}

/** Whether granted scopes cover `needed` ("write" covers "write:statuses"). */
export function scopeCovers(granted: string[], needed: string): boolean {
  return granted.some((scope) => scope === needed || needed.startsWith(`${scope}:`));
}

function splitScopes(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/[\s+]+/).filter((s) => s !== '') : [];
}

function isRegistrableUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return !['javascript:', 'data:', 'vbscript:'].includes(url.protocol);
  } catch {
    return false;
  }
}

function errorPage(res: ServerResponse, description: string): void {
  // Doorkeeper renders its error page when it cannot trust the redirect_uri enough to send the user back.
  sendText(res, 400, `<!DOCTYPE html><html><body><h2>An error has occurred</h2><p>${description}</p></body></html>`);
}

export function createMastodonOAuth(): MastodonOAuth {
  const apps: MastodonOAuthApp[] = [];
  const tokens: MastodonIssuedToken[] = [];
  const requests: MastodonOAuthRequest[] = [];
  const codes = new Map<string, AuthorizationCode>();
  const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

  async function fields(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
    const parsed = await parseBody(req, raw);
    if (parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object') return parsed.value as Record<string, unknown>;
    if (parsed.kind === 'form' || parsed.kind === 'multipart') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of parsed.value.entries()) {
        const name = key.replace(/\[\]$/, '');
        out[name] = key.endsWith('[]') ? [...((out[name] as unknown[] | undefined) ?? []), value] : value;
      }
      return out;
    }
    return {};
  }

  function registerApp(params: Record<string, unknown>): { status: number; body: unknown } {
    const name = typeof params.client_name === 'string' ? params.client_name.trim() : '';
    if (name === '') return { status: 422, body: { error: "Validation failed: Application name can't be blank" } };
    const given = params.redirect_uris;
    const redirectUris = (Array.isArray(given) ? given.map(String) : typeof given === 'string' ? given.split(/\r?\n/) : []).map((u) => u.trim()).filter((u) => u !== '');
    if (redirectUris.length === 0) return { status: 422, body: { error: "Validation failed: Redirect URI can't be blank" } };
    if (!redirectUris.every(isRegistrableUri)) return { status: 422, body: { error: 'Validation failed: Redirect URI must be an absolute URI.' } };
    const scopes = params.scopes === undefined ? ['read'] : splitScopes(params.scopes);
    if (scopes.length === 0 || !scopes.every(knownScope)) {
      return { status: 422, body: { error: "Validation failed: Scopes doesn't match configured on the server." } };
    }
    const app: MastodonOAuthApp = {
      id: String(apps.length + 1),
      name,
      website: typeof params.website === 'string' && params.website !== '' ? params.website : null,
      clientId: secret(),
      clientSecret: secret(),
      redirectUris,
      scopes,
    };
    apps.push(app);
    return {
      status: 200,
      body: {
        id: app.id,
        name: app.name,
        website: app.website,
        scopes: app.scopes,
        redirect_uri: app.redirectUris.join('\n'),
        redirect_uris: app.redirectUris,
        vapid_key: 'BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        client_secret_expires_at: 0,
      },
    };
  }

  function authorize(res: ServerResponse, q: URLSearchParams): number {
    const refuse = (description: string) => {
      errorPage(res, description);
      return 400;
    };
    const app = apps.find((a) => a.clientId === q.get('client_id'));
    if (!app) return refuse(INVALID_CLIENT);
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!app.redirectUris.includes(redirectUri)) return refuse(INVALID_REDIRECT);
    const challenge = q.get('code_challenge') ?? '';
    if (challenge === '') return refuse('The request is missing a required parameter: code_challenge.');
    if (q.get('code_challenge_method') !== 'S256') return refuse('The code_challenge_method must be S256.');
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const scopes = q.has('scope') ? splitScopes(q.get('scope')) : ['read'];
    if (q.get('response_type') !== 'code') {
      back.searchParams.set('error', 'unsupported_response_type');
    } else if (scopes.length === 0 || !scopes.every((s) => app.scopes.includes(s))) {
      back.searchParams.set('error', 'invalid_scope');
      back.searchParams.set('error_description', 'The requested scope is invalid, unknown, or malformed.');
    } else {
      const code = secret();
      codes.set(code, { clientId: app.clientId, redirectUri, scopes, challenge, expiresAt: Date.now() + CODE_TTL_MS, used: false });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { Location: back.toString() });
    res.end();
    return 302;
  }

  function token(req: IncomingMessage, params: Record<string, unknown>): { status: number; body: unknown } {
    // client_secret_basic or client_secret_post, as Mastodon's metadata says.
    let clientId = typeof params.client_id === 'string' ? params.client_id : '';
    let clientSecret = typeof params.client_secret === 'string' ? params.client_secret : '';
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id = '', pass = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(pass);
    }
    const app = apps.find((a) => a.clientId === clientId && a.clientSecret === clientSecret);
    if (!app) return { status: 401, body: { error: 'invalid_client', error_description: INVALID_CLIENT } };
    if (params.grant_type !== 'authorization_code') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'The authorization grant type is not supported by the authorization server.' } };
    }
    const invalidGrant = { status: 400, body: { error: 'invalid_grant', error_description: INVALID_GRANT } };
    const code = codes.get(typeof params.code === 'string' ? params.code : '');
    if (!code || code.used || code.expiresAt < Date.now() || code.clientId !== app.clientId || code.redirectUri !== params.redirect_uri) return invalidGrant;
    const verifier = typeof params.code_verifier === 'string' ? params.code_verifier : '';
    if (s256(verifier) !== code.challenge) return invalidGrant;
    code.used = true;
    const issued: MastodonIssuedToken = { token: secret(), clientId: app.clientId, scopes: code.scopes };
    tokens.push(issued);
    return {
      status: 200,
      body: { access_token: issued.token, token_type: 'Bearer', scope: issued.scopes.join(' '), created_at: Math.floor(Date.now() / 1000) },
    };
  }

  return {
    apps,
    tokens,
    requests,
    handles: (method, path) =>
      (method === 'POST' && path === '/api/v1/apps') || (method === 'GET' && path === '/oauth/authorize') || (method === 'POST' && path === '/oauth/token'),
    async handle(req, res, raw) {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      if (method === 'GET') {
        const params = Object.fromEntries(url.searchParams);
        requests.push({ method, path: url.pathname, params, status: authorize(res, url.searchParams) });
        return;
      }
      const params = await fields(req, raw);
      const result = url.pathname === '/api/v1/apps' ? registerApp(params) : token(req, params);
      requests.push({ method, path: url.pathname, params, status: result.status });
      sendJson(res, result.status, result.body, { 'Cache-Control': 'no-store' });
    },
    scopesOf: (t) => tokens.find((issued) => issued.token === t)?.scopes ?? null,
    revokeAll: () => {
      tokens.length = 0;
    },
  };
}
