// A WordPress site for tests, as the plugin (plugins/wordpress/postflow/) is to PostFlow: a workspace with a Mastodon
// channel and a WORDPRESS source whose rules post to it, its articles as the plugin serialises them, and requests
// signed with the `standardwebhooks` package's own Webhook.sign (so the format is the package's, not ours).
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { MastodonFake } from '../fakes/mastodonFake.js';
import { createChannel } from './scenario.js';
import { setRules } from './fakeSource.js';
import { signUp, type TestApp } from './testApp.js';

export const CREATE_SOURCE = `mutation($input: CreateSourceInput!) { createSource(input: $input) { source { id name kind status } siteKey signingSecret } }`;
const TEMPLATE = 'Read: {{ title }} by {{ author }}\n{{ url }}\n{{ categories | hashtags }}';

export interface Site {
  token: string;
  sourceId: string;
  channelId: string;
  siteKey: string;
  secret: string;
  url: string;
}

export interface SendOptions {
  id?: string;
  at?: Date;
  secret?: string;
  siteKey?: string;
}

let sites = 0;

/** The test file's helpers, on its app (read when called: the app starts in beforeAll). */
export function wordpressSites(app: () => { t: TestApp; mastodon: MastodonFake }) {
  /** A workspace (a new account, or `token`'s) with one Mastodon channel and a WordPress source at `url`. */
  async function site(rules: Record<string, unknown> = {}, o: { token?: string; url?: string } = {}): Promise<Site> {
    const { t, mastodon } = app();
    const token = o.token ?? (await signUp(t));
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Blog channel');
    const url = o.url ?? `https://blog-${process.pid}-${++sites}.example.com`;
    const { createSource } = await t.ok(CREATE_SOURCE, { input: { kind: 'WORDPRESS', name: 'The Blog', url: `${url}/` } }, token);
    await setRules(t, token, createSource.source.id, { channelIds: [channel.id], templates: { default: TEMPLATE, byNetwork: {}, byChannel: {} }, ...rules });
    return { token, sourceId: createSource.source.id, channelId: channel.id, siteKey: createSource.siteKey, secret: createSource.signingSecret, url };
  }

  /** A request as the plugin sends it: signed by the package, stamped now unless told otherwise. */
  async function send(s: Site, method: 'POST' | 'GET', path: string, body?: unknown, o: SendOptions = {}) {
    const base = app().t.app.httpUrl.replace('localhost', '127.0.0.1');
    const text = body === undefined ? path : typeof body === 'string' ? body : JSON.stringify(body);
    const id = o.id ?? `msg_${randomBytes(12).toString('hex')}`;
    const at = o.at ?? new Date();
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(o.secret ?? s.secret).sign(id, at, text),
      'x-postflow-site': o.siteKey ?? s.siteKey,
      'user-agent': 'PostFlow-WordPress/0.1.0; https://blog.example.com',
      ...(method === 'POST' && { 'content-type': 'application/json' }),
    };
    const response = await fetch(`${base}${path}`, { method, headers, ...(method === 'POST' && { body: text }) });
    return { status: response.status, body: (await response.json()) as any };
  }

  const postEvent = (s: Site, body: unknown, o: SendOptions = {}) => send(s, 'POST', '/wordpress/events', body, o);
  const postsOf = (sourceId: string) => app().t.app.database.prisma.post.findMany({ where: { sourceId }, include: { deliveries: true }, orderBy: { createdAt: 'asc' } });
  return { site, send, postEvent, postsOf };
}

export function article(s: Site, id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    post_type: 'post',
    title: 'Hello world',
    excerpt: 'The first words of the article.',
    url: `${s.url}/2026/hello-${id}/`,
    image: { url: `${s.url}/wp-content/uploads/${id}.jpg`, alt: 'A field', width: 1200, height: 800 },
    gallery: [],
    categories: ['News'],
    tags: ['launch'],
    author: 'Jane Doe',
    status: 'publish',
    published_at: '2026-01-01T10:00:00Z',
    modified_at: new Date().toISOString(),
    product: null,
    ...extra,
  };
}

export const event = (type: string, item: Record<string, unknown>, share: Record<string, unknown> = {}, occurredAt = new Date()) => ({
  type,
  occurred_at: occurredAt.toISOString(),
  item,
  share,
});
