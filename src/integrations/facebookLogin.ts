// Facebook Login, shared by the Facebook and Instagram providers: the authorize URL, the code exchanged for a
// long-lived user token, and the Pages (with their tokens and Instagram accounts) that login reaches.
import { ClassifiedError, HttpFailure, type HttpResponse } from './http.js';
import { classifyTokenFailure, codeFlowUrl, tokenByGet } from './oauth.js';
import type { AuthorizeRequest, FinishRequest } from './types.js';
import type { OutboundPolicy } from '../security/outbound/policy.js';
import { GRAPH_API_VERSION, graphErrorOf, graphGet } from './metaGraph.js';

export interface MetaLoginSettings {
  apiUrl: string;
  authUrl: string;
}

/** Where the Graph API and Facebook Login are, for the platforms that connect through it (Facebook, Instagram). */
export const FACEBOOK_LOGIN_DEFAULTS: MetaLoginSettings = { apiUrl: 'https://graph.facebook.com', authUrl: 'https://www.facebook.com' };

/** https://www.facebook.com/{version}/dialog/oauth with PKCE (Facebook Login supports code_challenge S256). */
export function facebookAuthorizeUrl(settings: MetaLoginSettings, request: AuthorizeRequest, scopes: string[]): string {
  return codeFlowUrl(`${settings.authUrl}/${GRAPH_API_VERSION}/dialog/oauth`, request, scopes.join(','));
}

/** A login step Meta refused (a used code, a wrong verifier or secret) is AUTH with Meta's own sentence. */
function loginFailure(error: unknown): ClassifiedError {
  const graph = error instanceof HttpFailure && error.status < 500 ? graphErrorOf(error.body) : null;
  if (!(error instanceof HttpFailure) || graph === null) return classifyTokenFailure(error);
  return new ClassifiedError(
    {
      kind: 'AUTH',
      errorClass: 'LOGIN_REFUSED',
      message: `Facebook Login failed at ${error.operation}: ${graph.message ?? `HTTP ${error.status}`}`,
      responseCode: error.status,
      retryAfterMs: null,
    },
    { cause: error },
  );
}

export interface ManagedPage {
  id: string;
  name: string;
  accessToken: string;
  instagramBusinessAccountId: string | null;
}

/**
 * Code → short-lived user token → long-lived user token (fb_exchange_token) → the Pages it manages, each with a
 * Page token read with the long-lived user token, which does not expire (Facebook Login "long-lived tokens" guide).
 */
export async function facebookLoginPages(settings: MetaLoginSettings, request: FinishRequest, timeoutMs: number, outbound: OutboundPolicy): Promise<ManagedPage[]> {
  if (!request.app.clientSecret) {
    throw new ClassifiedError({
      kind: 'PERMANENT',
      errorClass: 'CLIENT_SECRET_MISSING',
      message: 'Facebook Login needs the app secret to exchange the code',
      responseCode: null,
      retryAfterMs: null,
    });
  }
  const base = `${settings.apiUrl}/${GRAPH_API_VERSION}`;
  const app = { client_id: request.app.clientId, client_secret: request.app.clientSecret };
  const short = await tokenByGet(
    `${base}/oauth/access_token?${new URLSearchParams({ ...app, redirect_uri: request.redirectUri, code: request.code, code_verifier: request.codeVerifier })}`,
    'GET /oauth/access_token (code)',
    timeoutMs,
    outbound,
    loginFailure,
  );
  const long = await tokenByGet(
    `${base}/oauth/access_token?${new URLSearchParams({ ...app, grant_type: 'fb_exchange_token', fb_exchange_token: short.accessToken })}`,
    'GET /oauth/access_token (fb_exchange_token)',
    timeoutMs,
    outbound,
    loginFailure,
  );
  let res: HttpResponse<{ data?: unknown } | null>;
  try {
    res = await graphGet({ base, accessToken: long.accessToken, timeoutMs, outbound, label: '/me/accounts' }, '/me/accounts', {
      fields: 'id,name,access_token,instagram_business_account',
      limit: 100,
    });
  } catch (error) {
    throw loginFailure(error);
  }
  const rows = Array.isArray(res.body?.data) ? (res.body.data as Record<string, unknown>[]) : [];
  return rows
    .filter((row) => typeof row.access_token === 'string' && row.id !== undefined)
    .map((row) => ({
      id: String(row.id),
      name: typeof row.name === 'string' ? row.name : String(row.id),
      accessToken: row.access_token as string,
      instagramBusinessAccountId: (() => {
        const ig = (row.instagram_business_account as { id?: unknown } | undefined)?.id;
        return ig === undefined || ig === null ? null : String(ig);
      })(),
    }));
}

/** The Page FinishRequest.account names ({pageId}), else the first that qualifies; refuses when there is none. */
export function choosePage(pages: ManagedPage[], account: Record<string, unknown>, qualifies: (page: ManagedPage) => boolean, what: string): ManagedPage {
  const wanted = account.pageId === undefined || account.pageId === null ? null : String(account.pageId);
  const candidates = pages.filter(qualifies);
  const page = wanted === null ? candidates[0] : candidates.find((p) => p.id === wanted);
  if (page) return page;
  const offered = candidates.map((p) => `${p.name} (${p.id})`).join(', ') || 'none';
  throw new ClassifiedError({
    kind: 'PERMANENT',
    errorClass: 'PAGE_NOT_FOUND',
    message: wanted === null ? `This Facebook login manages no ${what}` : `This Facebook login does not manage ${what} ${wanted}; it manages: ${offered}`,
    responseCode: null,
    retryAfterMs: null,
  });
}
