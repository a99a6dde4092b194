// X's OAuth 2.0 (authorization code with PKCE) as the loopback X fake serves it: GET /i/oauth2/authorize (x.com's
// page, acting as a user who approves at once) and POST /2/oauth2/token (api.x.com), with X's rules: PKCE is
// mandatory, confidential clients authenticate with HTTP Basic and public ones name client_id in the form, access
// tokens last 2 hours, offline.access brings a refresh token, and refresh tokens rotate (the used one dies).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pkceChallenge } from '../../src/integrations/oauth.js';
import { parseBody, sendJson, sendText } from './httpFake.js';

export interface XFakeApp {
  clientId: string;
  /** null: a public client (no secret; client_id in the form). */
  clientSecret: string | null;
  /** When given, the only redirect URIs the authorize and token endpoints accept (X checks the app's callback list). */
  redirectUris?: string[];
}

/** One token endpoint request as received, with what was answered. */
export interface XTokenRequest {
  grant_type: string | null;
  /** The PKCE verifier sent (null when absent). */
  code_verifier: string | null;
  code: string | null;
  redirect_uri: string | null;
  refresh_token: string | null;
  /** The client the request named, from the Basic header or the form. */
  client_id: string | null;
  client_auth: 'basic' | 'body' | 'none';
  /** HTTP status answered. */
  status: number;
}

export interface XAccessGrant {
  userId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  expired: boolean;
}

export interface XTokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** ISO 8601, as stored in credentials. */
  expiresAt: string;
  scope: string;
}

export const X_FAKE_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];
const ACCESS_TOKEN_SECONDS = 7200;

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
}

export class XOAuthServer {
  readonly apps = new Map<string, XFakeApp>();
  /** Authorize requests as received (their query parameters). */
  readonly authorizations: URLSearchParams[] = [];
  readonly tokenRequests: XTokenRequest[] = [];
  readonly accessTokens = new Map<string, XAccessGrant>();
  private readonly refreshTokens = new Map<string, { userId: string; clientId: string; scopes: string[] }>();
  private readonly codes = new Map<string, PendingCode>();
  private refreshRevoked = false;

  constructor(
    apps: XFakeApp[],
    private readonly userId: string,
  ) {
    for (const app of apps) this.addApp(app);
  }

  addApp(app: XFakeApp): void {
    this.apps.set(app.clientId, app);
  }

  /** A token set as the token endpoint would issue it, for tests that skip the browser dance. */
  issueTokens(options: { clientId?: string; scopes?: string[] } = {}): XTokenSet {
    const clientId = options.clientId ?? [...this.apps.keys()][0]!;
    return this.mint(clientId, options.scopes ?? X_FAKE_SCOPES);
  }

  private mint(clientId: string, scopes: string[]): XTokenSet {
    const accessToken = `x-at-${randomBytes(16).toString('base64url')}`;
    const expiresAt = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
    this.accessTokens.set(accessToken, { userId: this.userId, clientId, scopes, expiresAt, expired: false });
    let refreshToken: string | null = null;
    if (scopes.includes('offline.access')) {
      refreshToken = `x-rt-${randomBytes(16).toString('base64url')}`;
      this.refreshTokens.set(refreshToken, { userId: this.userId, clientId, scopes });
    }
    return { accessToken, refreshToken, expiresAt: new Date(expiresAt).toISOString(), scope: scopes.join(' ') };
  }

  /** The grant behind a Bearer header, or null when it is missing, unknown or expired (X answers 401 to all three). */
  grantFor(authorization: string | undefined): XAccessGrant | null {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const grant = this.accessTokens.get(token);
    if (!grant || grant.expired || grant.expiresAt <= Date.now()) return null;
    return grant;
  }

  expireAll(): void {
    for (const grant of this.accessTokens.values()) grant.expired = true;
  }

  revokeRefresh(): void {
    this.refreshRevoked = true;
  }

  /** GET /i/oauth2/authorize: the user approves at once, or the page refuses a malformed request with 400. */
  authorize(res: ServerResponse, query: URLSearchParams): void {
    this.authorizations.push(query);
    const app = this.apps.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri');
    const refuse = (why: string) => sendText(res, 400, `Something went wrong: ${why}`, {}, 'text/plain; charset=utf-8');
    if (!app) return refuse('unknown client_id');
    if (query.get('response_type') !== 'code') return refuse('response_type must be code');
    if (!redirectUri || (app.redirectUris && !app.redirectUris.includes(redirectUri))) return refuse('redirect_uri is not a callback of this app');
    if (!query.get('code_challenge')) return refuse('code_challenge is required');
    if (query.get('code_challenge_method') !== 'S256') return refuse('code_challenge_method must be S256');
    const scopes = (query.get('scope') ?? '').split(' ').filter((s) => s !== '');
    if (scopes.length === 0) return refuse('scope is required');
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { clientId: app.clientId, redirectUri, challenge: query.get('code_challenge')!, scopes });
    const target = new URL(redirectUri);
    target.searchParams.set('state', query.get('state') ?? '');
    target.searchParams.set('code', code);
    res.writeHead(302, { Location: target.toString() });
    res.end();
  }

  /** POST /2/oauth2/token. */
  async token(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const parsed = await parseBody(req, raw);
    const form = parsed.kind === 'form' ? parsed.value : new URLSearchParams();
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    const entry: XTokenRequest = {
      grant_type: form.get('grant_type'),
      code_verifier: form.get('code_verifier'),
      code: form.get('code'),
      redirect_uri: form.get('redirect_uri'),
      refresh_token: form.get('refresh_token'),
      client_id: basicId ?? form.get('client_id'),
      client_auth: basic ? 'basic' : form.get('client_id') ? 'body' : 'none',
      status: 0,
    };
    this.tokenRequests.push(entry);
    const answer = (status: number, body: unknown) => {
      entry.status = status;
      sendJson(res, status, body);
    };
    const oauthError = (status: number, error: string, description: string) => answer(status, { error, error_description: description });

    const app = this.apps.get(entry.client_id ?? '');
    if (!app) return oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
    // A confidential client must prove it holds the secret; X refuses its client_id alone.
    if (app.clientSecret !== null && (entry.client_auth !== 'basic' || basicSecret !== app.clientSecret)) {
      return oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
    }

    if (entry.grant_type === 'authorization_code') {
      const pending = this.codes.get(entry.code ?? '');
      this.codes.delete(entry.code ?? '');
      if (!pending || pending.clientId !== app.clientId || pending.redirectUri !== entry.redirect_uri) {
        return oauthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      }
      if (!entry.code_verifier || pkceChallenge(entry.code_verifier) !== pending.challenge) {
        return oauthError(400, 'invalid_grant', 'Value passed for the code verifier did not match the code challenge.');
      }
      return answer(200, this.tokenAnswer(this.mint(app.clientId, pending.scopes)));
    }
    if (entry.grant_type === 'refresh_token') {
      const grant = this.refreshTokens.get(entry.refresh_token ?? '');
      if (!grant || this.refreshRevoked || grant.clientId !== app.clientId) {
        return oauthError(400, 'invalid_request', 'Value passed for the token was invalid.');
      }
      // Rotation: the refresh token just used never works again.
      this.refreshTokens.delete(entry.refresh_token!);
      return answer(200, this.tokenAnswer(this.mint(app.clientId, grant.scopes)));
    }
    return oauthError(400, 'invalid_request', 'Missing required parameter [grant_type].');
  }

  private tokenAnswer(tokens: XTokenSet): Record<string, unknown> {
    return {
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      access_token: tokens.accessToken,
      scope: tokens.scope,
      ...(tokens.refreshToken && { refresh_token: tokens.refreshToken }),
    };
  }
}
