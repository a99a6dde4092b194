// One OAuth 2.0 authorization server (authorization code with PKCE, refresh grant) for the loopback network fakes,
// parameterised by what differs between networks: how a client authenticates at the token endpoint (HTTP Basic or
// form fields), whether PKCE is mandatory, whether refresh tokens rotate, and each network's error and token bodies.
// The authorize page plays a user who approves at once (302 to redirect_uri with ?code&state); codes work once.
// The fakes mount it on their own paths (X: /i/oauth2/authorize and /2/oauth2/token, LinkedIn: /oauth/v2/authorization
// and /oauth/v2/accessToken, Pinterest: /oauth/ and /v5/oauth/token). Written apart from src/ (PKCE with s256).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, s256, sendJson } from './httpFake.js';

export interface OAuthClient {
  clientId: string;
  /** null: a public client (no secret; client_id in the form). */
  clientSecret: string | null;
  /** When given, the only redirect URIs the authorize and token endpoints accept (the app's callback list). */
  redirectUris?: string[];
}

/** One token endpoint request as received, with what was answered. */
export interface OAuthTokenRequest {
  grant_type: string | null;
  /** The PKCE verifier sent (null when absent). */
  code_verifier: string | null;
  code: string | null;
  redirect_uri: string | null;
  refresh_token: string | null;
  /** The client the request named, from the Basic header or the form. */
  client_id: string | null;
  client_auth: 'basic' | 'body' | 'none';
  /** The form fields and the Authorization header as received. */
  form: URLSearchParams;
  authorization: string | null;
  /** HTTP status answered (0 while unanswered). */
  status: number;
}

export interface OAuthGrant {
  clientId: string;
  scopes: string[];
  expiresAt: number;
  /** Expired by the clock or by expireAll(). */
  expired: boolean;
}

export interface OAuthIssued {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
  scopes: string[];
}

export type OAuthErrorCase =
  /** Unknown client, or a confidential one that did not prove its secret the way the network wants. */
  | 'client'
  /** Unknown or used code, or one issued to another client or redirect URI. */
  | 'code'
  /** The verifier does not match the code's challenge. */
  | 'verifier'
  /** Unknown, rotated-away or revoked refresh token. */
  | 'refresh'
  | 'grant_type';

export interface OAuthServerConfig {
  clients: OAuthClient[];
  /** How a client with a secret must authenticate at the token endpoint (a public client names client_id in the form). */
  clientAuth: 'basic' | 'body';
  /**
   * true (X): the page refuses a request without response_type=code, an S256 challenge or a scope, and every code
   * exchange needs its verifier. false (LinkedIn, Pinterest as faked here): the page checks the client and that
   * redirect_uri is http(s), and a challenge, when one was sent with S256, is checked at the token endpoint.
   */
  strictAuthorize: boolean;
  /** Whether the refresh grant spends the refresh token and issues a new one, or returns the same one. */
  rotateRefreshTokens: boolean;
  accessTokenSeconds: number;
  tokenPrefix: { access: string; refresh: string };
  /** Whether a grant with these scopes gets a refresh token (default: always). */
  refreshTokenFor?: (scopes: string[]) => boolean;
  /** The network's answer to each refusal at the token endpoint. */
  errors: Record<OAuthErrorCase, { status: number; body: unknown }>;
  /** How the authorize page refuses a malformed request. */
  refuseAuthorize(res: ServerResponse, why: string): void;
  /** The network's token answer body. */
  tokenAnswer(issued: OAuthIssued, grantType: 'authorization_code' | 'refresh_token'): Record<string, unknown>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  /** null: no S256 challenge was sent (allowed unless strict). */
  challenge: string | null;
  scopes: string[];
}

export class OAuthServer {
  readonly clients = new Map<string, OAuthClient>();
  /** Authorize requests as received (their query parameters). */
  readonly authorizations: URLSearchParams[] = [];
  readonly tokenRequests: OAuthTokenRequest[] = [];
  private readonly accessTokens = new Map<string, OAuthGrant>();
  private readonly refreshTokens = new Map<string, { clientId: string; scopes: string[] }>();
  private readonly codes = new Map<string, PendingCode>();
  private refreshRevoked = false;

  constructor(private readonly config: OAuthServerConfig) {
    for (const client of config.clients) this.addClient(client);
  }

  addClient(client: OAuthClient): void {
    this.clients.set(client.clientId, client);
  }

  /** Tokens as the token endpoint would issue them, for tests that skip the browser dance (the first client's by default). */
  issue(scopes: string[], clientId = [...this.clients.keys()][0]!): OAuthIssued {
    const refreshToken = (this.config.refreshTokenFor?.(scopes) ?? true) ? this.secret('refresh') : null;
    if (refreshToken) this.refreshTokens.set(refreshToken, { clientId, scopes });
    return this.issueAccess(scopes, clientId, refreshToken);
  }

  private issueAccess(scopes: string[], clientId: string, refreshToken: string | null): OAuthIssued {
    const accessToken = this.secret('access');
    const expiresAt = Date.now() + this.config.accessTokenSeconds * 1000;
    this.accessTokens.set(accessToken, { clientId, scopes, expiresAt, expired: false });
    return { accessToken, refreshToken, expiresAt, scopes };
  }

  private secret(kind: 'access' | 'refresh'): string {
    return `${this.config.tokenPrefix[kind]}${randomBytes(16).toString('base64url')}`;
  }

  /** The grant behind a Bearer header (expired ones included, marked so), or null when it is missing or unknown. */
  grantFor(authorization: string | undefined): OAuthGrant | null {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    const grant = this.accessTokens.get(token);
    if (!grant) return null;
    return { ...grant, expired: grant.expired || grant.expiresAt <= Date.now() };
  }

  expireAll(): void {
    for (const grant of this.accessTokens.values()) grant.expired = true;
  }

  revokeRefresh(): void {
    this.refreshRevoked = true;
  }

  /** GET on the authorize page: the user approves at once, or the page refuses a malformed request. */
  authorize(res: ServerResponse, query: URLSearchParams): void {
    this.authorizations.push(query);
    const strict = this.config.strictAuthorize;
    const client = this.clients.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri') ?? '';
    const refuse = (why: string) => this.config.refuseAuthorize(res, why);
    if (!client) return refuse('unknown client_id');
    if (strict && query.get('response_type') !== 'code') return refuse('response_type must be code');
    if (!redirectUri || (client.redirectUris && !client.redirectUris.includes(redirectUri))) return refuse('redirect_uri is not a callback of this app');
    if (!strict && !/^https?:/.test(redirectUri)) return refuse('redirect_uri must be http(s)');
    const challenge = query.get('code_challenge_method') === 'S256' ? query.get('code_challenge') : null;
    if (strict && !query.get('code_challenge')) return refuse('code_challenge is required');
    if (strict && challenge === null) return refuse('code_challenge_method must be S256');
    const scopes = (query.get('scope') ?? '').split(/[\s,]+/).filter((s) => s !== '');
    if (strict && scopes.length === 0) return refuse('scope is required');
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { clientId: client.clientId, redirectUri, challenge, scopes });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', query.get('state') ?? '');
    res.writeHead(302, { Location: target.toString() });
    res.end();
  }

  /** POST on the token endpoint: the code exchange and the refresh grant. */
  async token(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const parsed = await parseBody(req, raw);
    const form = parsed.kind === 'form' ? parsed.value : new URLSearchParams();
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    const entry: OAuthTokenRequest = {
      grant_type: form.get('grant_type'),
      code_verifier: form.get('code_verifier'),
      code: form.get('code'),
      redirect_uri: form.get('redirect_uri'),
      refresh_token: form.get('refresh_token'),
      client_id: basicId ?? form.get('client_id'),
      client_auth: basic ? 'basic' : form.get('client_id') ? 'body' : 'none',
      form,
      authorization: req.headers.authorization ?? null,
      status: 0,
    };
    this.tokenRequests.push(entry);
    const answer = (status: number, body: unknown) => {
      entry.status = status;
      sendJson(res, status, body);
    };
    const refuse = (why: OAuthErrorCase) => answer(this.config.errors[why].status, this.config.errors[why].body);

    // A body-authenticating network reads the form only; a Basic one the header (or client_id alone for a public client).
    const [clientId, secret, auth] =
      this.config.clientAuth === 'body'
        ? [form.get('client_id'), form.get('client_secret'), form.get('client_id') ? 'body' : 'none']
        : [entry.client_id, basicSecret, entry.client_auth];
    const client = this.clients.get(clientId ?? '');
    if (!client) return refuse('client');
    if (client.clientSecret !== null && (auth !== this.config.clientAuth || secret !== client.clientSecret)) return refuse('client');

    if (entry.grant_type === 'authorization_code') {
      const pending = this.codes.get(entry.code ?? '');
      this.codes.delete(entry.code ?? '');
      if (!pending || pending.clientId !== client.clientId || pending.redirectUri !== entry.redirect_uri) return refuse('code');
      if (pending.challenge !== null && (!entry.code_verifier || s256(entry.code_verifier) !== pending.challenge)) return refuse('verifier');
      return answer(200, this.config.tokenAnswer(this.issue(pending.scopes, client.clientId), 'authorization_code'));
    }
    if (entry.grant_type === 'refresh_token') {
      const refreshToken = entry.refresh_token ?? '';
      const grant = this.refreshTokens.get(refreshToken);
      if (!grant || this.refreshRevoked || grant.clientId !== client.clientId) return refuse('refresh');
      if (!this.config.rotateRefreshTokens) {
        // The same refresh token comes back (its lifetime runs from the first authorization).
        return answer(200, this.config.tokenAnswer(this.issueAccess(grant.scopes, client.clientId, refreshToken), 'refresh_token'));
      }
      // Rotation: the refresh token just used never works again.
      this.refreshTokens.delete(refreshToken);
      return answer(200, this.config.tokenAnswer(this.issue(grant.scopes, client.clientId), 'refresh_token'));
    }
    return refuse('grant_type');
  }
}
