// Preview links (issue 12, section 3): an EDITOR makes a link to a post; whoever holds it sees the post without an
// account (and nothing else of the workspace: no ids, no emails, no credentials) and may comment as a guest, until the
// link is revoked or expires. Only the token's SHA-256 is stored; look-ups and guests' comments are throttled.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, OPEN_POLICY } from './helpers/scenario.js';
import { inMs, issuesOf } from './helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { hashPassword } from '../src/security/passwords.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const HOOK_SECRET = 'webhook-secret-of-the-channel';
const CREATE = `mutation($postId: ID!, $days: Int, $comments: Boolean) {
  createPreviewLink(postId: $postId, expiresInDays: $days, allowComments: $comments) { link previewLink { id expiresAt allowComments active } } }`;
const SHARED = `query($token: String!) { sharedPost(token: $token) {
  content mediaUrls allowComments expiresAt targets { platform channelName content status scheduledAt publishedAt } comments { name text createdAt } } }`;
const COMMENT = `mutation($token: String!, $name: String!, $text: String!) { commentOnSharedPost(token: $token, name: $name, text: $text) { name text createdAt } }`;

let t: TestApp;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

interface Shop {
  owner: string;
  ownerEmail: string;
  editor: string;
  viewer: string;
  channelId: string;
  post: { id: string; deliveryId: string; content: string };
}

async function shop(app: TestApp = t): Promise<Shop> {
  const ownerEmail = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const owner = await signUp(app, ownerEmail);
  const workspaceId = (await app.ok(`{ workspace { id } }`, {}, owner)).workspace.id as string;
  const member = async (role: string) => {
    const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
    const { pool } = app.app.database;
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
    await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0]!.id, role]);
    return (await app.ok(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD })).login.token as string;
  };
  const channel = await createChannel(app, owner, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Spring shop', OPEN_POLICY);
  const editor = await member('EDITOR');
  const content = `New spring collection ${randomBytes(3).toString('hex')}`;
  const post = await createPost(app, editor, { content, mediaUrls: ['https://cdn.example.com/spring.png'], channelIds: [channel.id], scheduledAt: inMs(86_400_000) });
  return { owner, ownerEmail, editor, viewer: await member('VIEWER'), channelId: channel.id, post: { id: post.id, deliveryId: post.deliveries[0]!.id, content } };
}

async function link(s: Shop, variables: Record<string, unknown> = {}, app: TestApp = t) {
  const created = (await app.ok(CREATE, { postId: s.post.id, ...variables }, s.editor)).createPreviewLink;
  return { ...created, token: new URL(created.link).pathname.split('/').at(-1)! as string };
}

describe('a preview link', () => {
  let s: Shop;
  beforeAll(async () => {
    s = await shop();
  }, 30_000);

  it('is made by an EDITOR (not a VIEWER), shown once, and stored only as the SHA-256 of its 32-byte token', async () => {
    const made = await link(s);
    expect(made.link).toBe(`${t.app.services.config.publicUrl}/preview/${made.token}`);
    expect(Buffer.from(made.token, 'base64url')).toHaveLength(32);
    expect(made.previewLink).toMatchObject({ allowComments: true, active: true });
    const days = (new Date(made.previewLink.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    const { rows } = await t.app.database.pool.query(`SELECT * FROM preview_links WHERE id = $1`, [made.previewLink.id]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(made.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(made.token);
    const refused = await t.gql(CREATE, { postId: s.post.id }, s.viewer);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', operation: 'createPreviewLink', requiredRole: 'EDITOR' });
    // A VIEWER may see which links exist (never their tokens).
    const listed = await t.ok(`query($id: ID!) { previewLinks(postId: $id) { id active } }`, { id: s.post.id }, s.viewer);
    expect(listed.previewLinks).toContainEqual({ id: made.previewLink.id, active: true });
  });

  it('shows the post to anyone holding it, without an account, and nothing else of the workspace', async () => {
    const made = await link(s);
    const shared = (await t.ok(SHARED, { token: made.token }, null)).sharedPost;
    expect(shared).toMatchObject({
      content: s.post.content,
      mediaUrls: ['https://cdn.example.com/spring.png'],
      allowComments: true,
      targets: [{ platform: 'WEBHOOK', channelName: 'Spring shop', content: s.post.content, status: 'SCHEDULED', publishedAt: null }],
      comments: [],
    });
    expect(shared.targets[0].scheduledAt).not.toBeNull();
    const ids = (await t.app.database.pool.query(`SELECT p.id AS post, p.workspace_id AS workspace, p.author_id AS author FROM posts p WHERE p.id = $1`, [s.post.id])).rows[0];
    const answer = JSON.stringify(shared);
    for (const secret of [ids.post, ids.workspace, ids.author, s.channelId, s.post.deliveryId, s.ownerEmail, HOOK_SECRET, hooks.hookUrl, made.previewLink.id]) {
      expect(answer).not.toContain(secret);
    }
  });

  it('takes a guest comment, marked as one, seen by the team, the audit trail and postActivity', async () => {
    const made = await link(s);
    const heard = collect<{ postActivity: { kind: string; actor: unknown; comment: { guestName: string; author: unknown } } }>(
      t.ws(s.owner),
      `subscription($id: ID) { postActivity(postId: $id) { kind actor { id } comment { guestName author { id } } } }`,
      { id: s.post.id },
    );
    await heard.ready;
    const comment = async (text: string) => (await t.ok(COMMENT, { token: made.token, name: '  Dana (client) ', text }, null)).commentOnSharedPost;
    expect(await comment('Love it, but use the blue photo')).toMatchObject({ name: 'Dana (client)', text: 'Love it, but use the blue photo' });
    // Listening starts asynchronously: comment again until one is heard.
    for (let i = 0; !heard.items.length; i++) {
      if (i > 20) throw new Error('postActivity never heard a guest comment');
      await heard.until((items) => items.length > 0, 300).catch(() => comment('Still there?'));
    }
    expect(heard.items[0]!.postActivity).toEqual({ kind: 'COMMENTED', actor: null, comment: { guestName: 'Dana (client)', author: null } });

    const shared = (await t.ok(SHARED, { token: made.token }, null)).sharedPost;
    expect(shared.comments[0]).toMatchObject({ name: 'Dana (client)', text: 'Love it, but use the blue photo' });
    // The team's own comments stay inside the workspace.
    await t.ok(`mutation($id: ID!) { addComment(postId: $id, text: "internal: she always wants blue") { id } }`, { id: s.post.id }, s.editor);
    expect(JSON.stringify((await t.ok(SHARED, { token: made.token }, null)).sharedPost)).not.toContain('internal');
    const team = (await t.ok(`query($id: ID!) { post(id: $id) { comments { text guestName author { id } } } }`, { id: s.post.id }, s.viewer)).post.comments;
    expect(team[0]).toEqual({ text: 'Love it, but use the blue photo', guestName: 'Dana (client)', author: null });
    const audit = await t.app.database.pool.query(`SELECT via, actor_id, details FROM audit_events WHERE action = 'post.commented' AND target_id = $1 ORDER BY at LIMIT 1`, [
      s.post.id,
    ]);
    expect(audit.rows[0]).toMatchObject({ via: 'SYSTEM', actor_id: null, details: { guest: 'Dana (client)', previewLinkId: made.previewLink.id } });
  });

  it('refuses a comment when the link does not take them, and a nameless or empty one, writing nothing', async () => {
    const readOnly = await link(s, { comments: false });
    expect((await t.ok(SHARED, { token: readOnly.token }, null)).sharedPost.allowComments).toBe(false);
    const refused = await t.gql(COMMENT, { token: readOnly.token, name: 'Dana', text: 'hello' }, null);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const open = await link(s);
    expect(issuesOf(await t.gql(COMMENT, { token: open.token, name: '   ', text: 'hello' }, null)).map((i) => [i.path, i.rule])).toEqual([[['name'], 'required']]);
    expect(issuesOf(await t.gql(COMMENT, { token: open.token, name: 'Dana', text: ' ' }, null)).map((i) => [i.path, i.rule])).toEqual([[['text'], 'required']]);
    const { rows } = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM post_comments WHERE preview_link_id = ANY($1::uuid[])`, [
      [readOnly.previewLink.id, open.previewLink.id],
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('stops working once revoked or expired, answering as for a mistyped one', async () => {
    const revoked = await link(s);
    const expired = await link(s);
    await t.ok(`mutation($id: ID!) { revokePreviewLink(id: $id) { id } }`, { id: revoked.previewLink.id }, s.editor);
    await t.app.database.pool.query(`UPDATE preview_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.previewLink.id]);
    const answers = [];
    for (const token of [revoked.token, expired.token, randomBytes(32).toString('base64url')]) {
      const result = await t.gql(SHARED, { token }, null);
      answers.push([result.data?.sharedPost ?? null, result.errors?.[0]?.extensions?.code, result.errors?.[0]?.message]);
      expect((await t.gql(COMMENT, { token, name: 'Dana', text: 'hello' }, null)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect(answers[0]).toEqual(answers[2]);
    expect(answers[1]).toEqual(answers[2]);
    expect(answers[0]![1]).toBe('NOT_FOUND');
    const listed = (await t.ok(`query($id: ID!) { previewLinks(postId: $id) { id active revokedAt } }`, { id: s.post.id }, s.editor)).previewLinks;
    expect(listed.find((l: { id: string }) => l.id === revoked.previewLink.id)).toMatchObject({ active: false, revokedAt: expect.any(String) });
    expect(listed.find((l: { id: string }) => l.id === expired.previewLink.id)).toMatchObject({ active: false, revokedAt: null });
    const actions = await t.app.database.pool.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY at`, [revoked.previewLink.id]);
    expect(actions.rows.map((r) => r.action)).toEqual(['preview_link.created', 'preview_link.revoked']);
  });

  it("refuses an expiry out of range, another workspace's post, and revoking another workspace's link", async () => {
    for (const days of [0, 91]) expect(issuesOf(await t.gql(CREATE, { postId: s.post.id, days }, s.editor)).map((i) => [i.path, i.rule])).toEqual([[['expiresInDays'], 'range']]);
    const short = await link(s, { days: 1 });
    expect(new Date(short.previewLink.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const other = await signUp(t);
    expect((await t.gql(CREATE, { postId: s.post.id }, other)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.gql(`mutation($id: ID!) { revokePreviewLink(id: $id) { id } }`, { id: short.previewLink.id }, other)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await t.ok(`query($id: ID!) { previewLinks(postId: $id) { id } }`, { id: s.post.id }, other)).previewLinks).toEqual([]);
    expect((await t.ok(SHARED, { token: short.token }, null)).sharedPost.content).toBe(s.post.content);
  });

  it('opens as an escaped HTML page at /preview/<token>, sending no Referer and running no script', async () => {
    const { pool } = t.app.database;
    await pool.query(`UPDATE posts SET content = $2 WHERE id = $1`, [s.post.id, '<script>alert(1)</script> & "spring"']);
    const made = await link(s);
    const page = await fetch(made.link.replace('localhost', '127.0.0.1'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;spring&quot;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Spring shop');
    const missing = await fetch(made.link.replace('localhost', '127.0.0.1').replace(made.token, 'not-a-token'));
    expect(missing.status).toBe(404);
  });
});

describe('throttles', () => {
  it('count every look-up per address, found or not, and guests’ comments per link', async () => {
    const small = await startTestApp({ env: { POSTFLOW_THROTTLE_PREVIEW_IP: '6/900', POSTFLOW_THROTTLE_PREVIEW_COMMENTS: '2/3600' } });
    try {
      const s = await shop(small);
      const made = await link(s, {}, small);
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) codes.push((await small.gql(COMMENT, { token: made.token, name: 'Dana', text: `note ${i}` }, null)).errors?.[0]?.extensions?.code);
      expect(codes).toEqual([undefined, undefined, 'RATE_LIMITED']);
      // Three look-ups spent; guesses spend the rest, and then even the right token is refused.
      for (let i = 0; i < 3; i++) expect((await small.gql(SHARED, { token: `guess-${i}` }, null)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const refused = await small.gql(SHARED, { token: made.token }, null);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
      const page = await fetch(made.link.replace('localhost', '127.0.0.1'));
      expect(page.status).toBe(429);
      expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await small.stop();
    }
  }, 60_000);
});
