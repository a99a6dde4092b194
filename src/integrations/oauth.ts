// OAuth 2.0 as most platforms speak it (RFC 6749 authorization code, RFC 7636 PKCE, refresh tokens): the pieces
// each provider module assembles with its own URLs, scopes and quirks.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { OutboundPolicy } from '../security/outbound/policy.js';
import { CONTENT_RULES } from './contentRules.js';
import { ClassifiedError, HttpFailure, TransportFailure, genericPlatformMessage, httpRequest, parseRetryAfter, trimSlash } from './http.js';
import type { AuthorizeRequest, FinishRequest, OAuthApp, PlatformName, PlatformSettings, ProviderOptions } from './types.js';

/** A PKCE verifier (kept server-side) and its S256 challenge (sent in the authorize URL). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * The authorize URL of the authorization code flow with a PKCE S256 challenge, as every OAuth platform here takes it
 * (scopes are joined by the caller: some platforms want spaces, some commas).
 */
export function codeFlowUrl(endpoint: string, request: AuthorizeRequest, scope: string): string {
  return authorizeUrl(endpoint, {
    response_type: 'code',
    client_id: request.app.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    scope,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  });
}

/** The fields every OAuth-connected channel's credentials carry, besides its platform's own. */
export const oauthCredentialFields = {
  accessToken: z.string().min(1, 'accessToken must not be empty'),
  refreshToken: z.string().min(1).nullish(),
  /** ISO 8601 instant the access token stops working; absent when it does not expire. */
  expiresAt: z.iso.datetime({ offset: true, error: 'expiresAt must be an ISO 8601 instant' }).nullish(),
  /** The channel's own app (X counts limits per app); absent when the operator's configured app is used. */
  clientId: z.string().min(1).nullish(),
  clientSecret: z.string().min(1).nullish(),
};

export interface OAuthCredentialFields {
  accessToken: string;
  refreshToken?: string | null;
  expiresAt?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: string | null;
  scope: string | null;
  /** The whole answer, for platform-specific fields (Bluesky's did, LinkedIn's refresh_token_expires_in...). */
  raw: Record<string, unknown>;
}

export function tokenSetFrom(body: unknown, now: number = Date.now()): TokenSet {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const accessToken = raw.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ClassifiedError({
      kind: 'AUTH',
      errorClass: 'TOKEN_MISSING',
      message: 'The token endpoint answered without an access_token',
      responseCode: null,
      retryAfterMs: null,
    });
  }
  const expiresIn = Number(raw.expires_in);
  return {
    accessToken,
    refreshToken: typeof raw.refresh_token === 'string' && raw.refresh_token !== '' ? raw.refresh_token : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now + expiresIn * 1000).toISOString() : null,
    scope: typeof raw.scope === 'string' ? raw.scope : null,
    raw,
  };
}

/** A platform's token endpoint, the same for the code exchange and the refresh. */
export interface TokenEndpoint {
  tokenUrl: string;
  /** basic: client id and secret in an Authorization header (X, Pinterest); body: as form fields (LinkedIn, Meta). */
  clientAuth: 'basic' | 'body';
  timeoutMs: number;
  outbound: OutboundPolicy;
  operation: string;
}

export interface TokenRequest extends TokenEndpoint {
  app: OAuthApp;
  params: Record<string, string>;
}

/** POSTs a form to a token endpoint; failures are classified for the refresh path (see classifyTokenFailure). */
export async function requestToken(req: TokenRequest): Promise<TokenSet> {
  const form = new URLSearchParams(req.params);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (req.clientAuth === 'basic' && req.app.clientSecret) {
    headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(req.app.clientId)}:${encodeURIComponent(req.app.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', req.app.clientId);
    if (req.app.clientSecret) form.set('client_secret', req.app.clientSecret);
  }
  try {
    const res = await httpRequest({
      method: 'POST',
      url: req.tokenUrl,
      operation: req.operation,
      timeoutMs: req.timeoutMs,
      outbound: req.outbound,
      headers,
      body: form.toString(),
    });
    return tokenSetFrom(res.body);
  } catch (error) {
    throw classifyTokenFailure(error);
  }
}

/** Exchanges the authorization code, proving the PKCE verifier; `params` adds a platform's own fields. */
export function exchangeCode(endpoint: TokenEndpoint, request: FinishRequest, options: { app?: OAuthApp; params?: Record<string, string> } = {}): Promise<TokenSet> {
  return requestToken({
    ...endpoint,
    app: options.app ?? request.app,
    params: { grant_type: 'authorization_code', code: request.code, redirect_uri: request.redirectUri, code_verifier: request.codeVerifier, ...options.params },
  });
}

/** Credentials only the user can bring back to life: the channel must be reconnected. */
export function cannotRenew(message: string, errorClass = 'NO_REFRESH_TOKEN'): ClassifiedError {
  return new ClassifiedError({ kind: 'AUTH', errorClass, message, responseCode: null, retryAfterMs: null });
}

export interface RefreshGrant {
  app: OAuthApp;
  refreshToken: string;
}

/** The app and refresh token that renew these credentials; refuses, saying what is missing, when there are none. */
export function refreshGrantFor(credentials: OAuthCredentialFields, settings: PlatformSettings, platform: PlatformName, noRefreshToken: string): RefreshGrant {
  if (!credentials.refreshToken) throw cannotRenew(noRefreshToken);
  const app = appFor(credentials, settings);
  if (!app) throw cannotRenew(`No ${CONTENT_RULES[platform].label} app is configured (${platform}_CLIENT_ID) to renew the token: reconnect the channel`);
  return { app, refreshToken: credentials.refreshToken };
}

/** The refresh-token grant. Platforms that rotate refresh tokens answer a new one, which replaces the old. */
export async function refreshWithGrant<C extends OAuthCredentialFields>(
  endpoint: TokenEndpoint,
  credentials: C,
  grant: RefreshGrant,
  params: Record<string, string> = {},
): Promise<C> {
  const tokens = await requestToken({ ...endpoint, app: grant.app, params: { grant_type: 'refresh_token', refresh_token: grant.refreshToken, ...params } });
  return renewed(credentials, tokens);
}

/** A token endpoint that takes its parameters in a GET query (Meta's); `classify` words its refusals. */
export async function tokenByGet(
  url: string,
  operation: string,
  timeoutMs: number,
  outbound: OutboundPolicy,
  classify: (error: unknown) => ClassifiedError = classifyTokenFailure,
): Promise<TokenSet> {
  try {
    const res = await httpRequest({ method: 'GET', url, operation, timeoutMs, outbound });
    return tokenSetFrom(res.body);
  } catch (error) {
    throw classify(error);
  }
}

/**
 * A token endpoint's refusal (400 invalid_grant, 401 invalid_client) means the grant is dead and only the user can
 * fix it (AUTH); no answer or a 5xx means try again later, with the same grant.
 */
export function classifyTokenFailure(error: unknown): ClassifiedError {
  if (error instanceof ClassifiedError) return error;
  if (error instanceof HttpFailure) {
    const message = genericPlatformMessage(error.body);
    if (error.status === 429) {
      return new ClassifiedError(
        {
          kind: 'RATE_LIMITED',
          errorClass: 'TOKEN_RATE_LIMITED',
          message: `${error.operation} was rate limited`,
          responseCode: 429,
          retryAfterMs: parseRetryAfter(error.headers.get('retry-after')),
        },
        { cause: error },
      );
    }
    if (error.status >= 500) {
      return new ClassifiedError(
        { kind: 'RETRYABLE', errorClass: `HTTP_${error.status}`, message: `${error.operation} failed with HTTP ${error.status}`, responseCode: error.status, retryAfterMs: null },
        { cause: error },
      );
    }
    return new ClassifiedError(
      {
        kind: 'AUTH',
        errorClass: 'REFRESH_REFUSED',
        message: `${error.operation} was refused${message ? ` (${message})` : ''}`,
        responseCode: error.status,
        retryAfterMs: null,
      },
      { cause: error },
    );
  }
  if (error instanceof TransportFailure) {
    return new ClassifiedError(
      {
        kind: 'RETRYABLE',
        errorClass: error.timedOut ? 'TIMEOUT' : 'NETWORK',
        message: `${error.operation} could not reach the platform (${error.code})`,
        responseCode: null,
        retryAfterMs: null,
      },
      { cause: error },
    );
  }
  return new ClassifiedError(
    { kind: 'RETRYABLE', errorClass: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error), responseCode: null, retryAfterMs: null },
    { cause: error },
  );
}

/** The platform's settings from config, with the module's real defaults for what the operator left out. */
export function platformSettings(
  options: ProviderOptions,
  platform: PlatformName,
  defaults: { apiUrl: string; authUrl?: string },
): Required<Pick<PlatformSettings, 'apiUrl' | 'authUrl'>> & PlatformSettings {
  const configured = options.platforms?.[platform] ?? {};
  return {
    ...configured,
    apiUrl: trimSlash(configured.apiUrl ?? defaults.apiUrl),
    authUrl: trimSlash(configured.authUrl ?? configured.apiUrl ?? defaults.authUrl ?? defaults.apiUrl),
  };
}

/** The operator's app for a platform, or null when config names none. */
export function configuredApp(settings: PlatformSettings): OAuthApp | null {
  return settings.clientId ? { clientId: settings.clientId, clientSecret: settings.clientSecret ?? null } : null;
}

/** The app a channel's tokens belong to: its own when it brought one, else the operator's. */
export function appFor(credentials: OAuthCredentialFields, settings: PlatformSettings): OAuthApp | null {
  if (credentials.clientId) return { clientId: credentials.clientId, clientSecret: credentials.clientSecret ?? null };
  return configuredApp(settings);
}

export function expiryOf(credentials: { expiresAt?: string | null }): Date | null {
  return credentials.expiresAt ? new Date(credentials.expiresAt) : null;
}

/** Credentials after a refresh: the new tokens, keeping the old refresh token when the platform sends none. */
export function renewed<C extends OAuthCredentialFields>(credentials: C, tokens: TokenSet): C {
  return { ...credentials, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? credentials.refreshToken ?? null, expiresAt: tokens.expiresAt };
}

/** The credential fields of a fresh token set, with the channel's own app when it brought one. */
export function credentialsFromTokens(tokens: TokenSet, app: OAuthApp, ownApp: boolean): OAuthCredentialFields {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    ...(ownApp && { clientId: app.clientId, clientSecret: app.clientSecret }),
  };
}
