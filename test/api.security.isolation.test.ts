// Every operation of the schema, tried from another workspace and without credentials. The operations are read from
// the schema itself, so one added later is covered without anyone remembering to: its arguments are filled with the
// other workspace's ids, and the answer must hold none of that workspace's data and change none of its rows.
import { randomBytes } from 'node:crypto';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { collect, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { OPERATIONS, ROLES, type Role, type Scope } from '../src/domain/roles.js';
import { hashPassword } from '../src/security/passwords.js';
import { createOrReconnectSource } from '../src/services/sources.js';
import { systemActor } from '../src/domain/audit.js';

/** Operations anyone may call (signing in or up, the list of networks, accepting an invitation): the table says which. */
const PUBLIC = new Set(Object.entries(OPERATIONS).flatMap(([name, access]) => (access.public ? [name] : [])));
const PASSWORD = 'vivid-ocean-lantern-42';

let t: TestApp;
let mastodon: MastodonFake;

interface Side {
  token: string;
  key: string;
  ids: { workspace: string; user: string; channel: string; post: string; delivery: string; apiKey: string; source: string };
  /** Text only this workspace's data holds: seen anywhere in another's answer, it leaked. */
  markers: string[];
}
let a: Side;
let b: Side;

async function makeSide(label: string): Promise<Side> {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
  const signup = await t.ok<{ signup: { token: string } }>(`mutation($e: String!, $p: String!) { signup(email: $e, password: $p, workspaceName: "${label}") { token } }`, {
    e: email,
    p: PASSWORD,
  });
  const token = signup.signup.token;
  const channelName = `${label}-channel-${randomBytes(3).toString('hex')}`;
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, channelName);
  const content = `${label}-content-${randomBytes(3).toString('hex')}`;
  const post = await createPost(t, token, { content, channelIds: [channel.id], scheduledAt: new Date(Date.now() + 86_400_000).toISOString() });
  const created = await t.ok<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(name: "${label} key") { key apiKey { id } } }`, {}, token);
  const me = await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, token);
  const user = await t.app.database.pool.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [email]);
  // A content source, as a connector's install makes one (there is no operation that creates one).
  const sourceName = `${label}-shop-${randomBytes(3).toString('hex')}`;
  const { sourceId } = await createOrReconnectSource(t.app.services, {
    workspaceId: me.workspace.id,
    kind: 'SHOPIFY',
    externalId: `${sourceName}.myshopify.com`,
    name: sourceName,
    credentials: { accessToken: 'shpat_isolation' },
    actor: systemActor(me.workspace.id),
  });
  return {
    token,
    key: created.createApiKey.key,
    ids: {
      workspace: me.workspace.id,
      user: user.rows[0]!.id,
      channel: channel.id,
      post: post.id,
      delivery: post.deliveries[0]!.id,
      apiKey: created.createApiKey.apiKey.id,
      source: sourceId,
    },
    markers: [email, channelName, content, sourceName],
  };
}

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
  a = await makeSide('alpha');
  b = await makeSide('bravo');
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

// ---- Building a request for any field from its types ----

/** The other workspace's id an argument most likely names; a name that says nothing gets the post's. */
function idFor(argName: string, fieldName: string, ids: Side['ids']): string {
  const name = `${argName === 'id' || argName === 'ids' ? fieldName : argName}`.toLowerCase();
  if (name.includes('apikey')) return ids.apiKey;
  if (name.includes('source')) return ids.source;
  if (name.includes('delivery') || name.includes('deliveries') || name.includes('confirm')) return ids.delivery;
  if (name.includes('channel')) return ids.channel;
  if (name.includes('workspace')) return ids.workspace;
  if (name.includes('user') || name.includes('member')) return ids.user;
  return ids.post;
}

function valueFor(type: GraphQLInputType, argName: string, fieldName: string, ids: Side['ids'], depth = 0): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, argName, fieldName, ids, depth);
  if (isListType(type)) return [valueFor(type.ofType, argName, fieldName, ids, depth)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      // Required fields, and every id an input can carry: ids nested in inputs are the other way in.
      if (isNonNullType(field.type) || (getNamedType(field.type).name === 'ID' && depth < 3)) value[field.name] = valueFor(field.type, field.name, fieldName, ids, depth + 1);
    }
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return idFor(argName, fieldName, ids);
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'DateTime':
        return new Date(Date.now() + 3_600_000).toISOString();
      case 'JSON':
        return {};
      default: {
        const name = argName.toLowerCase();
        if (name.includes('email')) return `${argName}-${randomBytes(3).toString('hex')}@example.com`;
        if (name.includes('url') || name.includes('uri')) return 'https://example.com/probe';
        if (name.includes('timezone')) return 'UTC';
        return 'probe value';
      }
    }
  }
  throw new Error(`no value for ${String(type)}`);
}

function selectionFor(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  const parts: string[] = [];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const inner = getNamedType(field.type);
    if (!isObjectType(inner)) parts.push(field.name);
    else if (depth < 2) {
      const nested = selectionFor(field.type, depth + 1);
      if (nested) parts.push(`${field.name} ${nested}`);
    }
  }
  return `{ __typename ${parts.join(' ')} }`;
}

function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>, ids: Side['ids'], optionalIds = true) {
  const args = field.args as readonly GraphQLArgument[];
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const variables = Object.fromEntries(
    args.filter((arg) => isNonNullType(arg.type) || (optionalIds && getNamedType(arg.type).name === 'ID')).map((arg) => [arg.name, valueFor(arg.type, arg.name, field.name, ids)]),
  );
  const query = `${kind} Probe${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''} ${selectionFor(field.type)} }`;
  return { query, variables };
}

// ---- What A's workspace holds, to compare before and after B tried everything ----

async function snapshot(side: Side) {
  const { pool } = t.app.database;
  const rows = async (sql: string) => JSON.stringify((await pool.query(sql, [side.ids.workspace])).rows);
  return {
    workspace: await rows(`SELECT name, plan FROM workspaces WHERE id = $1`),
    channels: await rows(`SELECT id, name, paused, needs_reconnect, policy, timezone, credentials_encrypted, deleted_at FROM channels WHERE workspace_id = $1 ORDER BY id`),
    posts: await rows(`SELECT id, content, media_urls FROM posts WHERE workspace_id = $1 ORDER BY id`),
    deliveries: await rows(`SELECT d.id, d.status, d.scheduled_at, d.attempts FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE p.workspace_id = $1 ORDER BY d.id`),
    apiKeys: await rows(`SELECT id, name, key_hash FROM api_keys WHERE workspace_id = $1 ORDER BY id`),
    sources: await rows(`SELECT id, name, status, rules, credentials_sealed FROM sources WHERE workspace_id = $1 ORDER BY id`),
    users: await rows(`SELECT u.id, u.email, u.password_hash FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.workspace_id = $1 ORDER BY u.id`),
  };
}

const codesOf = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');

/** B's session stays usable through operations that end it (logout and the like): sign in again when it stopped working. */
async function freshToken(side: Side, email: string, password: string): Promise<void> {
  const check = await t.gql(`{ workspace { id } }`, {}, side.token);
  if (!check.errors?.length) return;
  const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: password });
  side.token = login.login.token;
}

describe('every operation of the schema', () => {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;

  it('refuses callers without credentials, except the public ones, and tells them so with a code', async () => {
    const leaks: string[] = [];
    for (const [kind, root] of roots) {
      for (const field of Object.values(root!.getFields())) {
        if (PUBLIC.has(field.name)) continue;
        const { query, variables } = operationFor(kind, field, a.ids);
        const result = await t.gql(query, variables, null);
        const codes = codesOf(result.errors);
        if (!codes.includes('UNAUTHENTICATED')) leaks.push(`${kind} ${field.name}: ${JSON.stringify(codes)} ${JSON.stringify(result.data ?? null).slice(0, 200)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it("builds requests that do reach A's data when A asks (so B's refusals are the workspace check, not a malformed request)", async () => {
    const answered: string[] = [];
    for (const field of Object.values(schema.getQueryType()!.getFields())) {
      const { query, variables } = operationFor('query', field, a.ids);
      const result = await t.gql(query, variables, a.token);
      if (Object.values(a.ids).some((id) => JSON.stringify(result.data ?? null).includes(id))) answered.push(field.name);
    }
    expect(answered).toEqual(expect.arrayContaining(['channel', 'channels', 'post', 'posts', 'workspace']));
  });

  it.each(['session token', 'API key'] as const)(
    "shows another workspace nothing of A's and changes nothing of A's, with a %s",
    async (via) => {
      const before = await snapshot(a);
      const email = JSON.parse((await snapshot(b)).users)[0].email as string;
      const problems: string[] = [];
      let tried = 0;
      for (const [kind, root] of roots) {
        for (const field of Object.values(root!.getFields())) {
          if (field.name === 'signup' || field.name === 'login') continue; // they act on no workspace
          const { query, variables } = operationFor(kind, field, a.ids);
          const result = await t.gql(query, variables, via === 'API key' ? b.key : b.token);
          tried++;
          const data = JSON.stringify(result.data ?? null);
          const errors = JSON.stringify(result.errors ?? []);
          // An error may repeat the id B sent; A's data (its ids in answers, its texts anywhere) must not appear.
          const seen = [...Object.values(a.ids).filter((id) => data.includes(id)), ...a.markers.filter((m) => data.includes(m) || errors.includes(m))];
          if (seen.length) problems.push(`${kind} ${field.name} showed ${seen.join(', ')}`);
          if (codesOf(result.errors).some((code) => code === 'INTERNAL_SERVER_ERROR' || code === 'NO_CODE'))
            problems.push(`${kind} ${field.name} gave an untyped error: ${errors.slice(0, 300)}`);
          if (via === 'session token') await freshToken(b, email, PASSWORD);
        }
      }
      expect(problems).toEqual([]);
      expect(tried).toBeGreaterThan(20);
      expect(await snapshot(a)).toEqual(before);
    },
    120_000,
  );

  it("lets no subscription hear another workspace's events, whatever its arguments", async () => {
    const subscriptions = Object.values(schema.getSubscriptionType()!.getFields());
    expect(subscriptions.length).toBeGreaterThan(0);
    const client = t.ws(b.token);
    const aIds = Object.values(a.ids);
    const probes = [] as { name: string; attack: ReturnType<typeof collect>; own: ReturnType<typeof collect> }[];
    for (const field of subscriptions) {
      const attack = operationFor('subscription', field, a.ids);
      const own = operationFor('subscription', field, b.ids, false);
      probes.push({ name: field.name, attack: collect(client, attack.query, attack.variables), own: collect(client, own.query, own.variables) });
    }
    // Each kind of event in a workspace: a post's deliveries appear, a channel pauses and resumes, a post is commented on.
    const stir = async (side: Side) => {
      await createPost(t, side.token, { content: 'stir', channelIds: [side.ids.channel], draft: true });
      await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "stir") { id } }`, { id: side.ids.post }, side.token);
      await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: side.ids.channel }, side.token);
      await t.ok(`mutation($id: ID!) { resumeChannel(id: $id) { id } }`, { id: side.ids.channel }, side.token);
      // A notifiable event (as the worker writes it when a network refuses a channel): the owner is notified.
      await t.app.database.pool.query(
        `INSERT INTO audit_events (workspace_id, via, action, target_type, target_id) VALUES ($1, 'SYSTEM', 'channel.needs_reconnect', 'channel', $2)`,
        [side.ids.workspace, side.ids.channel],
      );
      // A catalog import's progress (as the source_import job writes it).
      await t.app.database.pool.query(`INSERT INTO source_imports (source_id, workspace_id, status, finished_at) VALUES ($1, $2, 'COMPLETED', now())`, [
        side.ids.source,
        side.ids.workspace,
      ]);
    };
    // B's own events reaching every subscription on its own ids prove they all listen.
    for (let i = 0; probes.some((p) => p.own.items.length === 0); i++) {
      if (i > 30) throw new Error(`subscriptions never heard B's own events: ${probes.filter((p) => !p.own.items.length).map((p) => p.name)}`);
      await stir(b);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await stir(a);
    // B's later events arrive after A's would have: by then A's were filtered out, not merely late.
    const counts = probes.map((p) => p.own.items.length);
    await stir(b);
    for (const [i, p] of probes.entries()) await p.own.until((items) => items.length > counts[i]!);
    for (const p of probes) {
      const heard = JSON.stringify([p.attack.items, p.own.items]);
      expect(
        aIds.filter((id) => heard.includes(id)),
        `${p.name} heard A's events`,
      ).toEqual([]);
      expect(p.own.errors, `${p.name} on B's own ids`).toEqual([]);
    }
  }, 60_000);
});

// ---- Roles: every operation with every role, and with API keys of narrower scopes, against the one table ----

interface Caller {
  label: string;
  role: Role;
  credential: string;
  /** API keys only: the key's scopes. */
  scopes?: Scope[];
  /** Sessions only: to sign in again after an operation that ended the session (logout and the like). */
  email?: string;
}

/** What the table (src/domain/roles.ts) lets this caller do, read here on its own rather than through refusal(). */
function tableAllows(caller: Caller, operation: string): boolean {
  const access = OPERATIONS[operation]!;
  if (access.public) return true;
  // None of these callers administers the instance (the first account is alpha's, and no admin emails are set).
  if (access.instanceAdmin) return false;
  if (ROLES.indexOf(caller.role) < ROLES.indexOf(access.role)) return false;
  if (!caller.scopes) return true;
  return access.key === 'any' || (access.key !== 'session' && caller.scopes.includes(access.key));
}

/** A refusal by the table: FORBIDDEN naming the operation (a service's own FORBIDDEN, e.g. "the owner cannot leave", is not one). */
const tableRefused = (errors: unknown, operation: string) =>
  (JSON.parse(JSON.stringify(errors ?? [])) as GraphQLErrorShape[]).flat().some((e) => e.extensions?.code === 'FORBIDDEN' && e.extensions.operation === operation);

describe('every operation with every role', () => {
  let c: Side;
  const callers: Caller[] = [];
  const members: { userId: string; role: Role }[] = [];

  /** A person who is a member of C only, with this role, inserted as section 1's invitations would (a test may write rows). */
  async function member(label: string, role: Role): Promise<{ email: string; token: string; userId: string }> {
    const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
    const { pool } = t.app.database;
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
    await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [c.ids.workspace, user.rows[0]!.id, role]);
    members.push({ userId: user.rows[0]!.id, role });
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
    return { email, token: login.login.token, userId: user.rows[0]!.id };
  }
  const key = async (token: string, scopes?: string[]) =>
    (await t.ok<{ createApiKey: { key: string } }>(`mutation($s: [ApiScope!]) { createApiKey(name: "matrix", scopes: $s) { key } }`, { s: scopes }, token)).createApiKey.key;

  beforeAll(async () => {
    c = await makeSide('charlie');
    members.push({ userId: c.ids.user, role: 'OWNER' });
    const ownerEmail = JSON.parse((await snapshot(c)).users)[0].email as string;
    for (const role of ['VIEWER', 'EDITOR', 'ADMIN'] as const) {
      const m = await member(role.toLowerCase(), role);
      callers.push({ label: `${role} session`, role, credential: m.token, email: m.email });
    }
    callers.push({ label: 'OWNER session', role: 'OWNER', credential: c.token, email: ownerEmail });
    callers.push({ label: 'OWNER key posts:read', role: 'OWNER', credential: await key(c.token, ['POSTS_READ']), scopes: ['posts:read'] });
    callers.push({
      label: 'OWNER key channels:read posts:write',
      role: 'OWNER',
      credential: await key(c.token, ['CHANNELS_READ', 'POSTS_WRITE']),
      scopes: ['channels:read', 'posts:write'],
    });
    // A key with every scope of an ADMIN whose creator is then demoted: it may do only what an EDITOR may.
    const demoted = await member('demoted', 'ADMIN');
    const full = await key(demoted.token);
    await t.app.database.pool.query(`UPDATE memberships SET role = 'EDITOR' WHERE user_id = $1`, [demoted.userId]);
    members.at(-1)!.role = 'EDITOR';
    callers.push({
      label: 'key of an ADMIN demoted to EDITOR',
      role: 'EDITOR',
      credential: full,
      scopes: ['posts:read', 'posts:write', 'channels:read', 'channels:write', 'members:write', 'sources:read', 'sources:write'],
    });
  }, 60_000);

  /** Puts back what an operation changed about the callers: memberships and roles (removeMember, leaveWorkspace, transferOwnership), sessions. */
  async function restore(): Promise<void> {
    for (const m of members) {
      await t.app.database.pool.query(
        `INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [c.ids.workspace, m.userId, m.role],
      );
    }
    for (const caller of callers) {
      if (!caller.email || !(await t.gql(`{ workspace { id } }`, {}, caller.credential)).errors?.length) continue;
      const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: caller.email, p: PASSWORD });
      caller.credential = login.login.token;
    }
  }

  it('has a row for every operation of the schema, and an operation for every row', () => {
    const operations = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((root) => Object.keys(root!.getFields()));
    expect(operations.filter((name) => !OPERATIONS[name])).toEqual([]);
    expect(Object.keys(OPERATIONS).filter((name) => !operations.includes(name))).toEqual([]);
  });

  it('starts each subscription for the roles and keys the table allows, and refuses the others with FORBIDDEN', async () => {
    const probes: { what: string; allowed: boolean; name: string; sub: ReturnType<typeof collect> }[] = [];
    for (const caller of callers) {
      const client = t.ws(caller.credential);
      for (const field of Object.values(schema.getSubscriptionType()!.getFields())) {
        const { query, variables } = operationFor('subscription', field, c.ids, false);
        probes.push({ what: `${caller.label}: ${field.name}`, allowed: tableAllows(caller, field.name), name: field.name, sub: collect(client, query, variables) });
      }
    }
    for (const p of probes.filter((p) => !p.allowed)) await p.sub.ended;
    // The allowed ones hear C's events: a post's deliveries appear, its channel pauses and resumes.
    for (let i = 0; probes.some((p) => p.allowed && p.sub.items.length === 0); i++) {
      if (i > 30) throw new Error(`never heard C's events: ${probes.filter((p) => p.allowed && !p.sub.items.length).map((p) => p.what)}`);
      await createPost(t, c.token, { content: 'stir', channelIds: [c.ids.channel], draft: true });
      await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "stir") { id } }`, { id: c.ids.post }, c.token);
      for (const verb of ['pauseChannel', 'resumeChannel']) await t.ok(`mutation($id: ID!) { ${verb}(id: $id) { id } }`, { id: c.ids.channel }, c.token);
      // A notification for every member (each person hears only their own).
      await t.app.database.pool.query(
        `INSERT INTO notifications (workspace_id, user_id, event_id, kind, title, body, delivery)
         SELECT workspace_id, user_id, gen_random_uuid(), 'POST_FAILED', 'stir', 'stir', 'CONSOLE' FROM memberships WHERE workspace_id = $1`,
        [c.ids.workspace],
      );
      await t.app.database.pool.query(`INSERT INTO source_imports (source_id, workspace_id, status, finished_at) VALUES ($1, $2, 'COMPLETED', now())`, [
        c.ids.source,
        c.ids.workspace,
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const wrong = probes
      .filter((p) => (p.allowed ? p.sub.errors.length > 0 : !tableRefused(p.sub.errors, p.name)))
      .map((p) => `${p.what}: ${JSON.stringify(p.sub.errors).slice(0, 200)}`);
    expect(wrong).toEqual([]);
  }, 60_000);

  it('allows every query and mutation exactly as the table says, refusing with FORBIDDEN that names what is needed', async () => {
    const wrong: string[] = [];
    let refused = 0;
    for (const [kind, root] of [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
    ] as const) {
      for (const field of Object.values(root!.getFields())) {
        for (const caller of callers) {
          const { query, variables } = operationFor(kind, field, c.ids);
          const result = await t.gql(query, variables, caller.credential);
          const allowed = tableAllows(caller, field.name);
          const codes = codesOf(result.errors);
          // A caller whose credential stopped working would pass for "allowed": restore() keeps them signed in (a
          // public operation such as login answers UNAUTHENTICATED for its own reasons).
          const untyped = ['INTERNAL_SERVER_ERROR', 'NO_CODE', ...(PUBLIC.has(field.name) ? [] : ['UNAUTHENTICATED'])];
          if (codes.some((code) => untyped.includes(code))) wrong.push(`${caller.label}: ${field.name} gave ${codes}`);
          if (allowed === tableRefused(result.errors, field.name))
            wrong.push(`${caller.label}: ${field.name} ${allowed ? 'refused' : 'allowed'} (${JSON.stringify(result.errors ?? []).slice(0, 200)})`);
          if (!allowed) {
            refused++;
            const message = result.errors!.find((e) => e.extensions?.code === 'FORBIDDEN')!.message;
            if (!/needs (the [A-Z]+ role|an API key with the [a-z:]+ scope|a session token|an instance administrator)/.test(message))
              wrong.push(`${caller.label}: ${field.name} refused without saying what it needs: ${message}`);
          }
          await restore();
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(50);
  }, 240_000);
});
