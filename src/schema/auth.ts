import { builder } from './builder.js';
import { requireAuth, type Context } from './context.js';
import { authenticate, changePassword, login, logout, logoutEverywhere, signup } from '../services/accounts.js';
import { requestPasswordReset, resetPassword } from '../services/passwordReset.js';
import { createApiKey, revokeApiKey } from '../services/apiKeys.js';
import { disableTwoFactor, enableTwoFactorFinish, enableTwoFactorStart } from '../services/twoFactor.js';
import { SCOPES, type Scope } from '../domain/roles.js';
import { PlanEnum } from './enums.js';
import { AppError, ValidationError } from '../domain/errors.js';

/** posts:read is POSTS_READ: GraphQL enum values cannot hold a colon. */
const ApiScopeEnum = builder.enumType('ApiScope', {
  description: "What an API key may do; it never does more than its creator's role allows (see the table of roles in the README).",
  values: Object.fromEntries(SCOPES.map((scope) => [scope.replace(':', '_').toUpperCase(), { value: scope }])) as Record<string, { value: Scope }>,
});

const AuthPayload = builder.objectRef<{ token: string | null }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      nullable: true,
      description:
        'Send as "Authorization: Bearer <token>". It works until it expires or its session is ended (logout). ' + 'Null when the session went into a cookie (cookie: true).',
    }),
  }),
});

/** The `cookie` argument of every operation that opens a session (login, signup, switchWorkspace, acceptInvitation). */
export const COOKIE_ARG = {
  defaultValue: false,
  description:
    'True: the session goes into an HttpOnly, SameSite=Strict cookie (postflow_session; __Host-postflow_session over https) ' +
    'instead of the answer, for a browser (the console). Requests it signs in must carry the header x-graphql-yoga-csrf. ' +
    'Only over HTTP, not graphql-ws. switchWorkspace and acceptInvitation signed in by the cookie need it true.',
} as const;

/**
 * Opens a session as the caller asked: its token in the answer, or (cookie) in the answer's Set-Cookie and null in
 * the body. A browser holds one cookie, so the session of the cookie it replaces is ended: nobody could reach it any
 * more. `fromCaller`: the new session is derived from the caller's (switchWorkspace, acceptInvitation); signed in by
 * the cookie, it must go into the cookie too, or any script on the console's page could turn the cookie, which it
 * cannot read, into a token it can keep and that outlives logging out.
 */
export async function sessionAnswer(
  ctx: Context,
  cookie: boolean | null | undefined,
  open: () => Promise<{ token: string }>,
  options: { fromCaller?: boolean } = {},
): Promise<{ token: string | null }> {
  if (!cookie) {
    if (options.fromCaller && ctx.credentialSource === 'cookie') {
      throw ValidationError.single(['cookie'], 'cookieSession', 'Signed in by the session cookie, the new session goes into the cookie too: send cookie: true');
    }
    return open();
  }
  const jar = ctx.sessionCookie;
  // Refused before anything is created: a sign-up must not leave an account whose session went nowhere.
  if (!jar) throw ValidationError.single(['cookie'], 'http', 'cookie: true needs an HTTP request (POST /graphql): a WebSocket has no answer to carry a cookie');
  if (jar.holdsNewSession) throw ValidationError.single(['cookie'], 'once', 'One request opens at most one session into the cookie: a browser keeps one');
  const replaced = ctx.credentialSource === 'cookie' && ctx.auth?.via === 'session' ? ctx.auth : null;
  const { token } = await open();
  if (replaced) await logout(ctx.services, replaced);
  // Signed in by a header beside a cookie (or by none): the cookie's own session, if live, is replaced all the same.
  else if (ctx.cookieToken) await endSessionOfToken(ctx, ctx.cookieToken);
  jar.set(token, ctx.services.config.sessionTtlSeconds);
  return { token: null };
}

async function endSessionOfToken(ctx: Context, token: string): Promise<void> {
  const held = await authenticate(ctx.services, `Bearer ${token}`).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'UNAUTHENTICATED') return null; // ended or expired already
    throw error;
  });
  if (held?.via === 'session') await logout(ctx.services, held);
}

/** A session that ended with this request also leaves the browser (the cookie it came in is cleared). */
function forgetCookieSession(ctx: Context): void {
  if (ctx.credentialSource === 'cookie') ctx.sessionCookie?.clear();
}

builder.prismaObject('Workspace', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    plan: t.expose('plan', { type: PlanEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('User', {
  description: 'A person; only what a colleague may see.',
  fields: (t) => ({ id: t.exposeID('id'), email: t.exposeString('email') }),
});

builder.prismaObject('ApiKey', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    createdBy: t.relation('createdBy', { description: 'The person the key acts as.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'Null: until revoked.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    scopes: t.field({ type: [ApiScopeEnum], resolve: (key) => (key.scopes ?? []) as Scope[] }),
  }),
});

const CreatedApiKey = builder.objectRef<{ key: string; apiKey: { id: string } }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret key. It is shown only this once: store it now.' }),
    apiKey: t.prismaField({ type: 'ApiKey', resolve: (_q, parent) => parent.apiKey as never }),
  }),
});

const TwoFactorSetup = builder.objectRef<{ secret: string; otpauthUri: string }>('TwoFactorSetup').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The base32 secret, for typing into an authenticator app.' }),
    otpauthUri: t.exposeString('otpauthUri', { description: 'The otpauth:// URI, for a QR code.' }),
  }),
});

const RecoveryCodes = builder.objectRef<{ recoveryCodes: string[] }>('TwoFactorRecoveryCodes').implement({
  fields: (t) => ({
    recoveryCodes: t.exposeStringList('recoveryCodes', { description: 'Ten codes, each good for one login in place of a TOTP code. Shown only this once.' }),
  }),
});

builder.mutationFields((t) => ({
  signup: t.field({
    type: AuthPayload,
    description: 'Creates a user and their workspace, and signs them in. POSTFLOW_SIGNUP decides who may; the first account of a new server always may.',
    args: {
      email: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
      workspaceName: t.arg.string({ required: true }),
      cookie: t.arg.boolean(COOKIE_ARG),
    },
    resolve: (_root, { cookie, ...input }, ctx) => sessionAnswer(ctx, cookie, () => signup(ctx.services, input, ctx.clientIp)),
  }),
  login: t.field({
    type: AuthPayload,
    description:
      'Signs in. With two-factor on, a call without code fails with TWO_FACTOR_REQUIRED (the password was right): call again with code, ' +
      'a TOTP code or one of the recovery codes. Too many failures answer RATE_LIMITED (HTTP 429, Retry-After).',
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }), code: t.arg.string(), cookie: t.arg.boolean(COOKIE_ARG) },
    resolve: (_root, { cookie, ...input }, ctx) => sessionAnswer(ctx, cookie, () => login(ctx.services, input, ctx.clientIp)),
  }),
  requestPasswordReset: t.boolean({
    description:
      'Mails a link to set a new password (good once, for an hour) when SMTP is configured and the email has an account. ' +
      'Always answers true, so it tells nobody whether an account exists.',
    args: { email: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => requestPasswordReset(ctx.services, args.email, ctx.clientIp),
  }),
  resetPassword: t.boolean({
    description:
      'Sets a new password with the token from a reset link (the last part of the link) and ends every session of the account. ' +
      'An unknown, used or expired token is NOT_FOUND; a weak password is VALIDATION_FAILED and leaves the link usable.',
    args: { token: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => resetPassword(ctx.services, args.token, args.password, ctx.clientIp),
  }),
  logout: t.boolean({
    description: 'Ends the session this request came with: its token is refused from now on (and a session cookie is cleared).',
    resolve: async (_root, _args, ctx) => {
      const ended = await logout(ctx.services, requireAuth(ctx));
      forgetCookieSession(ctx);
      return ended;
    },
  }),
  logoutEverywhere: t.int({
    description: 'Ends every session of the caller, this one included; how many were ended. API keys stay: see revokeApiKey.',
    resolve: async (_root, _args, ctx) => {
      const ended = await logoutEverywhere(ctx.services, requireAuth(ctx));
      forgetCookieSession(ctx);
      return ended;
    },
  }),
  changePassword: t.int({
    description: 'Changes the password and ends every other session (this one stays signed in); how many were ended.',
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => changePassword(ctx.services, requireAuth(ctx), args.currentPassword, args.newPassword),
  }),
  createApiKey: t.field({
    type: CreatedApiKey,
    description:
      'A key for programs: it acts in this workspace with its scopes, never beyond the current role of the user who created it, until it ' +
      'expires or is revoked. Needs a session token (login): with an API key it is FORBIDDEN, so a key cannot mint keys that outlive it.',
    args: {
      name: t.arg.string({ required: true }),
      expiresAt: t.arg({ type: 'DateTime', description: 'When the key stops working (or expiresInDays; neither: until revoked).' }),
      expiresInDays: t.arg.int(),
      scopes: t.arg({ type: [ApiScopeEnum], description: "What the key may do (default: every scope the creator's role allows)." }),
    },
    resolve: (_root, args, ctx) => createApiKey(ctx.services, requireAuth(ctx), args),
  }),
  revokeApiKey: t.prismaField({
    type: 'ApiKey',
    description: "Revokes one of the workspace's API keys: requests with it are refused from now on.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx) => revokeApiKey(ctx.services, requireAuth(ctx), String(args.id)) as never,
  }),
  enableTwoFactorStart: t.field({
    type: TwoFactorSetup,
    description: 'Starts two-factor sign-in: add the secret to an authenticator app, then call enableTwoFactorFinish with a code from it.',
    resolve: (_root, _args, ctx) => enableTwoFactorStart(ctx.services, requireAuth(ctx)),
  }),
  enableTwoFactorFinish: t.field({
    type: RecoveryCodes,
    description: 'Turns two-factor sign-in on, given a current code from the app; answers with the recovery codes.',
    args: { code: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => enableTwoFactorFinish(ctx.services, requireAuth(ctx), args.code),
  }),
  disableTwoFactor: t.boolean({
    description: 'Turns two-factor sign-in off, proven with the password or a code (TOTP or recovery); false when it was off.',
    args: { password: t.arg.string(), code: t.arg.string() },
    resolve: (_root, args, ctx) => disableTwoFactor(ctx.services, requireAuth(ctx), args),
  }),
}));

builder.queryFields((t) => ({
  workspace: t.prismaField({
    type: 'Workspace',
    description: 'The workspace the caller acts in.',
    resolve: (query, _root, _args, ctx) => ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: requireAuth(ctx).workspaceId } }),
  }),
  apiKeys: t.prismaField({
    type: ['ApiKey'],
    description: "The workspace's API keys, newest first (never the keys themselves); revoked ones only with includeRevoked.",
    args: { includeRevoked: t.arg.boolean({ defaultValue: false }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.apiKey.findMany({
        ...query,
        where: { workspaceId: requireAuth(ctx).workspaceId, ...(args.includeRevoked ? {} : { revokedAt: null }) },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      }),
  }),
}));
