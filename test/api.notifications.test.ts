// Notifications (issue 12, section 5), with the real worker, a loopback Mastodon and Discord, and the loopback SMTP
// mailbox: a failed post tells the managers and its author in the console, by mail and live over graphql-ws; each
// person's preferences (OFF, CONSOLE, DIGEST) are followed; read marks and the unread count; a notify job run again
// tells nobody twice; another workspace sees nothing; and the audit trigger's list agrees with the kinds table.
// Members are inserted as SQL rows, as section 1's invitations would make them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, eventually, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { errorOf } from './helpers/api.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startDiscordFake, type DiscordFake } from './fakes/discordFake.js';
import { hashPassword } from '../src/security/passwords.js';
import { NOTIFIABLE_ACTIONS } from '../src/domain/notifications.js';
import { notifyOfEvent, sendDigests } from '../src/services/notifications.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const LIST = `query($unread: Boolean) { notifications(first: 50, unreadOnly: $unread) { edges { node { id kind title text postId channelId link createdAt readAt } } } }`;
const COUNT = `{ unreadNotificationCount }`;
const MARK = `mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) }`;
const PREFS = `mutation($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { kind delivery isDefault } }`;

let t: TestApp;
let smtp: SmtpSink;
let mastodon: MastodonFake;
let discord: DiscordFake;

beforeAll(async () => {
  [smtp, mastodon, discord] = await Promise.all([startSmtpSink(), startMastodonFake(), startDiscordFake({ bucketLimit: 1000 })]);
  t = await startTestApp({ env: { ...smtp.env } });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await Promise.all([smtp?.close(), mastodon?.stop(), discord?.stop()]);
});

interface Person {
  token: string;
  email: string;
  userId: string;
}

interface Team {
  workspaceId: string;
  name: string;
  owner: Person;
  admin: Person;
  editor: Person;
  viewer: Person;
  channelId: string;
}

async function team(): Promise<Team> {
  const { pool } = t.app.database;
  const name = `Shop ${randomBytes(3).toString('hex')}`;
  const ownerEmail = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const signup = await t.ok<{ signup: { token: string } }>(`mutation($e: String!, $p: String!, $w: String!) { signup(email: $e, password: $p, workspaceName: $w) { token } }`, {
    e: ownerEmail,
    p: PASSWORD,
    w: name,
  });
  const workspaceId = (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, signup.signup.token)).workspace.id;
  const ownerId = (await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [ownerEmail])).rows[0]!.id;
  const member = async (role: string): Promise<Person> => {
    const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
    await pool.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user.rows[0]!.id, role]);
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD });
    return { token: login.login.token, email, userId: user.rows[0]!.id };
  };
  const owner = { token: signup.signup.token, email: ownerEmail, userId: ownerId };
  const channel = await createChannel(t, owner.token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, `Toots ${name}`);
  return { workspaceId, name, owner, admin: await member('ADMIN'), editor: await member('EDITOR'), viewer: await member('VIEWER'), channelId: channel.id };
}

const list = async (person: Person, unread = false) => (await t.ok(LIST, { unread }, person.token)).notifications.edges.map((e: any) => e.node);
const unreadCount = async (person: Person) => (await t.ok<{ unreadNotificationCount: number }>(COUNT, {}, person.token)).unreadNotificationCount;
/** Notification mails (immediate or digest) to the person; other mails (email verification) are not counted. */
const mailsTo = (person: Person) => smtp.mails.filter((m) => m.to.includes(person.email) && m.text.includes('notification preferences'));
const mailedTo = (person: Person, count = 1) =>
  eventually(async () => mailsTo(person).length >= count && mailsTo(person), 15_000, `${count} notification mail(s) to ${person.email}`);

/** Waits until no notify job is left: what the worker was going to write and mail, it has. */
async function notifyJobsDone(): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await t.app.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'notify'`);
      return rows[0]!.n === 0;
    },
    15_000,
    'the notify jobs to finish',
  );
}

async function failedPost(w: Team, content: string, author: Person = w.editor) {
  mastodon.failNext(1, { status: 422, body: { error: 'Validation failed: Text contains a forbidden word' } }, 'statuses');
  const post = await createPost(t, author.token, { content, channelIds: [w.channelId], publishNow: true });
  const delivery = await waitForDelivery(t, author.token, post.id, ['FAILED', 'PUBLISHED']);
  expect(delivery.status).toBe('FAILED');
  await notifyJobsDone();
  return { postId: post.id, deliveryId: delivery.id as string };
}

/** A subscription is listening once a notification written for its person reaches it: probe rows, deleted after. */
async function untilHeard(w: Team, person: Person, sub: ReturnType<typeof collect<any>>): Promise<void> {
  const { pool } = t.app.database;
  const probes: string[] = [];
  const deadline = Date.now() + 15_000;
  while (!sub.items.some((i) => probes.includes(i.notificationAdded.id))) {
    if (Date.now() > deadline) throw new Error('the subscription never heard a probe');
    const probe = await pool.query<{ id: string }>(
      `INSERT INTO notifications (workspace_id, user_id, event_id, kind, title, body, delivery) VALUES ($1, $2, gen_random_uuid(), 'POST_FAILED', 'probe', 'probe', 'CONSOLE') RETURNING id`,
      [w.workspaceId, person.userId],
    );
    probes.push(probe.rows[0]!.id);
    await new Promise((r) => setTimeout(r, 300));
  }
  await pool.query(`DELETE FROM notifications WHERE id = ANY($1::uuid[])`, [probes]);
  sub.items.splice(0);
}

describe('a failed post', () => {
  let w: Team;
  let failed: { postId: string; deliveryId: string };
  let heard: ReturnType<typeof collect<any>>;

  beforeAll(async () => {
    w = await team();
    heard = collect<any>(t.ws(w.admin.token), `subscription { notificationAdded { id kind title text postId channelId link readAt } }`);
    await untilHeard(w, w.admin, heard);
    failed = await failedPost(w, 'Summer sale: every hat half price until Sunday, come and see the whole collection in store');
  }, 60_000);

  it('notifies the owner, the admins and the author in the console, and not a viewer', async () => {
    for (const person of [w.owner, w.admin, w.editor]) {
      const [n] = await list(person);
      expect(n).toMatchObject({
        kind: 'POST_FAILED',
        postId: failed.postId,
        channelId: w.channelId,
        readAt: null,
        link: `${t.app.services.config.publicUrl}/posts/${failed.postId}`,
      });
      expect(n.title).toContain(`Toots ${w.name}`);
      expect(n.text).toContain(w.name);
      expect(n.text).toContain('"Summer sale: every hat half price until Sunday');
      expect(n.text).toContain('forbidden word');
      expect(await unreadCount(person)).toBe(1);
    }
    expect(await list(w.viewer)).toEqual([]);
  });

  it('mails each of them, naming the workspace, the post, the channel and the link, with no secret', async () => {
    for (const person of [w.owner, w.admin, w.editor]) {
      const [mail] = await mailedTo(person);
      expect(mail!.text).toContain(`[${w.name}] A post failed on Toots ${w.name}`);
      expect(mail!.text).toContain('Summer sale: every hat half price');
      expect(mail!.text).toContain(`${t.app.services.config.publicUrl}/posts/${failed.postId}`);
      expect(mail!.text).not.toContain(mastodon.accessToken);
    }
    expect(mailsTo(w.viewer)).toEqual([]);
  });

  it('reaches the admin live over graphql-ws', async () => {
    await heard.until((items) => items.length >= 1);
    expect(heard.items).toEqual([{ notificationAdded: expect.objectContaining({ kind: 'POST_FAILED', postId: failed.postId, readAt: null }) }]);
  });

  it('tells nobody twice when its notify job runs again', async () => {
    const { pool } = t.app.database;
    const event = await pool.query<{ id: string }>(`SELECT id FROM audit_events WHERE action = 'delivery.failed' AND target_id = $1`, [failed.deliveryId]);
    expect(event.rows).toHaveLength(1);
    const before = { rows: (await pool.query(`SELECT id FROM notifications WHERE event_id = $1`, [event.rows[0]!.id])).rowCount, mails: smtp.mails.length };
    expect(mailsTo(w.admin)).toHaveLength(1);
    expect(before.rows).toBe(3);
    await pool.query(`SELECT graphile_worker.add_job('notify', json_build_object('eventId', $1::text))`, [event.rows[0]!.id]);
    await notifyJobsDone();
    expect(await notifyOfEvent(t.app.services, event.rows[0]!.id)).toEqual({ told: 0, mailed: 0 });
    expect((await pool.query(`SELECT id FROM notifications WHERE event_id = $1`, [event.rows[0]!.id])).rowCount).toBe(before.rows);
    expect(smtp.mails.length).toBe(before.mails);
    expect(await unreadCount(w.admin)).toBe(1);
  });

  it('keeps the console notification when the relay refuses the mail, records why, and mails it when the job runs again', async () => {
    const { pool } = t.app.database;
    const event = (await pool.query<{ id: string }>(`SELECT id FROM audit_events WHERE action = 'delivery.failed' AND target_id = $1`, [failed.deliveryId])).rows[0]!;
    const adminsRow = async () =>
      (await pool.query(`SELECT mail_error, mail_attempts, mailed_at FROM notifications WHERE event_id = $1 AND user_id = $2`, [event.id, w.admin.userId])).rows[0];
    // As if the admin's mail had not gone out yet.
    await pool.query(`UPDATE notifications SET mailed_at = NULL WHERE event_id = $1 AND user_id = $2`, [event.id, w.admin.userId]);
    const refusing = {
      send: async () => {
        throw new Error('451 the relay says: try again later');
      },
      close: () => {},
    };
    await expect(notifyOfEvent({ ...t.app.services, mailer: refusing }, event.id)).rejects.toThrow('1 of 1 notification mails were refused');
    expect(await adminsRow()).toEqual({ mail_error: '451 the relay says: try again later', mail_attempts: 2, mailed_at: null });
    expect((await list(w.admin)).map((n: any) => n.postId)).toEqual([failed.postId]);
    const mailed = mailsTo(w.admin).length;
    expect(await notifyOfEvent(t.app.services, event.id)).toEqual({ told: 0, mailed: 1 });
    expect(await mailedTo(w.admin, mailed + 1)).toHaveLength(mailed + 1);
    expect(await adminsRow()).toMatchObject({ mail_error: null, mail_attempts: 3, mailed_at: expect.any(Date) });
    expect(mailsTo(w.owner)).toHaveLength(1);
  });

  it('is nothing to another workspace, whatever it asks; and no API key reads anyone’s notifications', async () => {
    const stranger = await team();
    expect(await list(stranger.viewer)).toEqual([]);
    expect(await list(stranger.owner)).toEqual([]);
    expect(await unreadCount(stranger.owner)).toBe(0);
    const [mine] = await list(w.admin);
    expect((await t.ok(MARK, { ids: [mine.id] }, stranger.owner.token)).markNotificationsRead).toBe(0);
    expect((await t.ok(MARK, { all: true }, stranger.owner.token)).markNotificationsRead).toBe(0);
    expect((await list(w.admin))[0].readAt).toBeNull();
    const key = (await t.ok(`mutation { createApiKey(name: "k") { key } }`, {}, w.owner.token)).createApiKey.key;
    expect(errorOf(await t.gql(COUNT, {}, key)).extensions).toMatchObject({ code: 'FORBIDDEN', requiredCredential: 'session' });
  });
});

describe('read marks', () => {
  it('marks given ids or all read, and counts what is unread', async () => {
    const w = await team();
    await failedPost(w, 'first failure');
    await failedPost(w, 'second failure');
    await failedPost(w, 'third failure');
    const all = await list(w.admin);
    expect(all.map((n: any) => n.text.match(/"(\w+) failure"/)?.[1])).toEqual(['third', 'second', 'first']);
    expect(await unreadCount(w.admin)).toBe(3);
    expect((await t.ok(MARK, { ids: [all[1].id, 'not-an-id'] }, w.admin.token)).markNotificationsRead).toBe(1);
    expect(await unreadCount(w.admin)).toBe(2);
    expect((await list(w.admin, true)).map((n: any) => n.id)).toEqual([all[0].id, all[2].id]);
    expect((await list(w.admin)).find((n: any) => n.id === all[1].id).readAt).not.toBeNull();
    // The author's copies are their own: the admin's marks leave them unread.
    expect(await unreadCount(w.editor)).toBe(3);
    expect(errorOf(await t.gql(MARK, {}, w.admin.token)).extensions).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['ids'], rule: 'exactlyOne' }] });
    expect(errorOf(await t.gql(MARK, { ids: [all[0].id], all: true }, w.admin.token)).extensions?.code).toBe('VALIDATION_FAILED');
    expect((await t.ok(MARK, { all: true }, w.admin.token)).markNotificationsRead).toBe(2);
    expect(await unreadCount(w.admin)).toBe(0);
    expect(await list(w.admin, true)).toEqual([]);
  }, 60_000);
});

describe('preferences', () => {
  it('lists every kind with its default until changed, and refuses a kind given twice', async () => {
    const w = await team();
    const { notificationPreferences } = await t.ok(`{ notificationPreferences { kind delivery isDefault } }`, {}, w.viewer.token);
    expect(notificationPreferences).toEqual([
      { kind: 'POST_FAILED', delivery: 'MAIL', isDefault: true },
      { kind: 'POST_UNCONFIRMED', delivery: 'CONSOLE', isDefault: true },
      { kind: 'CHANNEL_NEEDS_RECONNECT', delivery: 'MAIL', isDefault: true },
      { kind: 'APPROVAL_REQUESTED', delivery: 'MAIL', isDefault: true },
      { kind: 'APPROVAL_ANSWERED', delivery: 'CONSOLE', isDefault: true },
      { kind: 'IMPORT_FINISHED', delivery: 'CONSOLE', isDefault: true },
    ]);
    const twice = await t.gql(
      PREFS,
      {
        input: {
          preferences: [
            { kind: 'POST_FAILED', delivery: 'OFF' },
            { kind: 'POST_FAILED', delivery: 'MAIL' },
          ],
        },
      },
      w.viewer.token,
    );
    expect(errorOf(twice).extensions).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['input', 'preferences', 1, 'kind'], rule: 'unique' }] });
    const { rows } = await t.app.database.pool.query(`SELECT * FROM notification_preferences WHERE user_id = $1`, [w.viewer.userId]);
    expect(rows).toEqual([]);
  });

  it('follows OFF, CONSOLE and DIGEST: nothing, the console only, the console and one daily mail', async () => {
    const w = await team();
    const set = (person: Person, delivery: string) => t.ok(PREFS, { input: { preferences: [{ kind: 'POST_FAILED', delivery }] } }, person.token);
    expect((await set(w.admin, 'OFF')).updateNotificationPreferences).toContainEqual({ kind: 'POST_FAILED', delivery: 'OFF', isDefault: false });
    await set(w.editor, 'CONSOLE');
    await set(w.owner, 'DIGEST');
    const { postId } = await failedPost(w, 'Winter boots are back');

    expect(await list(w.admin)).toEqual([]);
    expect((await list(w.editor)).map((n: any) => n.postId)).toEqual([postId]);
    expect((await list(w.owner)).map((n: any) => n.postId)).toEqual([postId]);
    // The notify jobs are done: whatever they were going to mail is in the mailbox by now.
    expect([mailsTo(w.admin), mailsTo(w.editor), mailsTo(w.owner)]).toEqual([[], [], []]);

    const deps = { ...t.app.services };
    expect(await sendDigests(deps)).toMatchObject({ people: expect.any(Number) });
    const [digest] = await mailedTo(w.owner);
    expect(digest!.text).toContain('PostFlow: 1 notification since the last digest');
    expect(digest!.text).toContain(`In ${w.name}:`);
    expect(digest!.text).toContain('"Winter boots are back"');
    expect(digest!.text).toContain(`/posts/${postId}`);
    // Once a day, only with something new: a second run mails nobody.
    expect(await sendDigests(deps)).toEqual({ people: 0, notifications: 0 });
    expect(mailsTo(w.owner)).toHaveLength(1);
    expect([mailsTo(w.admin), mailsTo(w.editor)]).toEqual([[], []]);
  }, 60_000);
});

describe('other kinds', () => {
  it('tells the managers and the author of a channel that needs reconnecting, and of a post whose outcome is unknown', async () => {
    const w = await team();
    mastodon.failNext(1, { status: 401 }, 'statuses');
    const held = await createPost(t, w.editor.token, { content: 'token revoked', channelIds: [w.channelId], publishNow: true });
    await eventually(async () => (await list(w.admin)).find((n: any) => n.kind === 'CHANNEL_NEEDS_RECONNECT'), 15_000, 'the reconnect notification');
    for (const person of [w.owner, w.admin, w.editor]) {
      const [n] = await list(person);
      expect(n).toMatchObject({ kind: 'CHANNEL_NEEDS_RECONNECT', channelId: w.channelId, postId: held.id, link: expect.stringContaining(`/posts/${held.id}`) });
      expect(n.title).toBe(`Toots ${w.name} (MASTODON) needs to be connected again`);
    }
    expect(await list(w.viewer)).toEqual([]);

    const discordChannel = await createChannel(t, w.owner.token, 'DISCORD', { webhookUrl: discord.webhookUrl }, 'Shop chat');
    discord.loseNextPublishAnswer();
    const post = await createPost(t, w.owner.token, { content: 'did this go out?', channelIds: [discordChannel.id], publishNow: true });
    expect((await waitForDelivery(t, w.owner.token, post.id, ['UNCONFIRMED', 'PUBLISHED', 'FAILED'], 15_000)).status).toBe('UNCONFIRMED');
    await notifyJobsDone();
    // The worker found out, not the owner who posted it: the owner and the admin are told, by default in the console only.
    for (const person of [w.owner, w.admin]) {
      const [n] = await list(person);
      expect(n).toMatchObject({ kind: 'POST_UNCONFIRMED', postId: post.id, channelId: discordChannel.id });
      expect(n.text).toContain('"did this go out?"');
      expect(mailsTo(person).filter((m) => m.text.includes('did this go out?'))).toEqual([]);
    }
    expect((await list(w.editor)).some((m: any) => m.kind === 'POST_UNCONFIRMED')).toBe(false);
  }, 60_000);

  it('tells approvers of a request and the author of the answer, never the one who acted', async () => {
    const w = await team();
    const post = await createPost(t, w.editor.token, { content: 'Please approve me', channelIds: [w.channelId], draft: true });
    const { pool } = t.app.database;
    const audit = (action: string, actor: Person) =>
      pool.query(`INSERT INTO audit_events (workspace_id, actor_id, via, action, target_type, target_id) VALUES ($1, $2, 'SESSION', $3, 'post', $4)`, [
        w.workspaceId,
        actor.userId,
        action,
        post.id,
      ]);
    await audit('post.submitted', w.editor);
    await notifyJobsDone();
    for (const person of [w.owner, w.admin]) expect((await list(person)).map((n: any) => [n.kind, n.title])).toEqual([['APPROVAL_REQUESTED', 'A post waits for your approval']]);
    expect((await list(w.admin))[0].text).toBe(`${w.editor.email} asks for an approval of "Please approve me" in ${w.name}.`);
    expect(await list(w.editor)).toEqual([]);
    await audit('post.changes_requested', w.admin);
    await notifyJobsDone();
    expect((await list(w.editor)).map((n: any) => n.title)).toEqual(['Your post was sent back for changes']);
    expect((await list(w.admin)).map((n: any) => n.kind)).toEqual(['APPROVAL_REQUESTED']);
  }, 60_000);
});

describe('the audit trigger', () => {
  it('queues one notify job for each notifiable action of the kinds table, and none for the rest', async () => {
    const w = await team();
    const client = await t.app.database.pool.connect();
    try {
      await client.query('BEGIN');
      // Uncommitted, so no worker takes them: the count of notify jobs this transaction sees grows by what it queued.
      const notifyJobs = async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'notify'`)).rows[0]!.n;
      const queued = async (action: string) => {
        const before = await notifyJobs();
        await client.query(`INSERT INTO audit_events (workspace_id, via, action, target_type, target_id) VALUES ($1, 'SYSTEM', $2, 'post', gen_random_uuid()::text)`, [
          w.workspaceId,
          action,
        ]);
        return (await notifyJobs()) - before;
      };
      expect(NOTIFIABLE_ACTIONS.length).toBeGreaterThanOrEqual(7);
      for (const action of NOTIFIABLE_ACTIONS) expect(await queued(action), action).toBe(1);
      for (const action of ['delivery.published', 'post.created', 'channel.paused']) expect(await queued(action), action).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
