// The console's workspace pages in a real browser: Sources (a feed added and listed, a WordPress site's secrets shown
// once, its rules saved), Team (an invitation shown once and revoked, one accepted from its link by a new person, a role changed, a viewer refused the API keys),
// Approval (an EDITOR's posts approved into SCHEDULED and rejected with a reason), API keys (a key shown once that
// works with Bearer until it is revoked from the page) and Settings (the approval mode saved). Every change is read
// back from the API; each page passes axe and leaves a screenshot. Data the test is not about is seeded through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';
import { createChannel, createPost, OPEN_POLICY } from './helpers/scenario.js';
import { inMs } from './helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';

const HOOK_SECRET = 'webhook-secret-of-the-channel';
// Each test is a dozen page round trips and API calls: more than the default 30 s when the machine is shared and busy.
const TEST_TIMEOUT = 90_000;
const harness = startConsole();
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
});
afterAll(async () => {
  await hooks?.stop();
});

/**
 * Signs a new person up through the API with the console's cookie (the browser context's own request client keeps
 * it), opens `route` and waits for its heading; answers a session token of theirs for reading back through the API.
 */
async function owner(page: Page, route: string, heading: string): Promise<{ email: string; token: string }> {
  const email = `owner${Date.now()}${Math.floor(Math.random() * 1000)}@example.com`;
  await cookieSession('mutation($email: String!, $password: String!) { signup(email: $email, password: $password, workspaceName: "Acme Bakery", cookie: true) { token } }', email);
  await open(page, route, heading);
  const { login } = await harness.t.ok('mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', { email, password: PASSWORD });
  return { email, token: login.token as string };
}

/** A sign-up or login with cookie: true from the browser context, as the console's login page does it. */
async function cookieSession(mutation: string, email: string) {
  const response = await harness.context.request.post(`${harness.origin}/graphql`, {
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    data: { query: mutation, variables: { email, password: PASSWORD } },
  });
  const body = await response.json();
  expect(body.errors).toBeUndefined();
}

/** A member with that role, joined through an invitation (the API's way), and their session token. */
async function member(ownerToken: string, role: string): Promise<{ email: string; token: string }> {
  const email = `${role.toLowerCase()}${Date.now()}${Math.floor(Math.random() * 1000)}@example.com`;
  const { link } = (await harness.t.ok('mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { link } }', { email, role }, ownerToken))
    .inviteMember;
  const { token } = (
    await harness.t.ok('mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { token } }', {
      token: new URL(link).pathname.split('/').at(-1),
      password: PASSWORD,
    })
  ).acceptInvitation;
  return { email, token };
}

async function open(page: Page, route: string, heading: string | RegExp) {
  await page.goto(`${harness.url}#${route}`);
  // A first load fetches and runs the whole bundle: over 10 s (the harness's default wait) on a busy shared machine.
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 30_000 });
}

async function confirm(page: Page) {
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
}

describe('Sources', () => {
  it(
    'adds a feed and lists it, and shows a WordPress site its key and secret only once',
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/settings', 'Settings');
      // The menu's Workspace group leads there.
      await page.getByRole('menuitem', { name: 'Sources' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sources' }).waitFor();
      await page.getByText('No content sources yet.').waitFor();

      const create = page.getByRole('form', { name: 'Add a WordPress site or a feed' });
      await create.getByLabel('Name').fill('Bakery news');
      await create.getByLabel('Feed URL').fill(`${harness.origin}/no-such-feed.xml`);
      await create.getByRole('button', { name: 'Add source' }).click();
      const list = page.getByRole('table', { name: 'Content sources' });
      await list.getByRole('link', { name: 'Bakery news' }).waitFor();
      await expect.poll(() => list.getByRole('row').filter({ hasText: 'Bakery news' }).textContent()).toContain('RSS/Atom feed');
      expect(await page.getByTestId('site-secrets').count()).toBe(0); // a feed has no secrets
      const { sources } = await harness.t.ok('{ sources { name kind status externalId } }', {}, token);
      expect(sources).toEqual([{ name: 'Bakery news', kind: 'FEED', status: 'ACTIVE', externalId: `${harness.origin}/no-such-feed.xml` }]);

      // A field the API refuses is shown under that field.
      await create.getByRole('combobox', { name: 'Kind' }).click();
      await page.getByRole('option', { name: 'WordPress site' }).click();
      await create.getByLabel('Name').fill('Bakery site');
      await create.getByLabel('Site URL').fill('ftp://127.0.0.1/blog');
      await create.getByRole('button', { name: 'Add source' }).click();
      await create.getByText(/only http and https URLs/).waitFor();

      await create.getByLabel('Site URL').fill('http://127.0.0.1:9/blog');
      await create.getByRole('button', { name: 'Add source' }).click();
      const secrets = page.getByTestId('site-secrets');
      await secrets.waitFor();
      const siteKey = await secrets.locator('[data-secret="Site key"]').textContent();
      const signingSecret = await secrets.locator('[data-secret="Signing secret"]').textContent();
      expect(siteKey).toMatch(/^pfs_/);
      expect(signingSecret).toMatch(/^whsec_/);
      await secrets.getByText('shown only this once').waitFor();
      await secrets.getByRole('button', { name: 'Copy Signing secret' }).waitFor();
      await list.getByRole('link', { name: 'Bakery site' }).waitFor();
      await expectNoSeriousA11yViolations(page, 'the sources page');
      await screenshot(page, 'sources');

      // Gone once the page is reloaded: nothing kept it.
      await page.reload();
      await list.getByRole('link', { name: 'Bakery site' }).waitFor();
      expect(await page.getByTestId('site-secrets').count()).toBe(0);
      expect(await page.content()).not.toContain(signingSecret!);
    },
    TEST_TIMEOUT,
  );

  it(
    "saves a source's rules from its page and shows a template's error under the template",
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/sources', 'Sources');
      const channel = await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Shop site', OPEN_POLICY);
      const { createSource } = await harness.t.ok(
        'mutation($input: CreateSourceInput!) { createSource(input: $input) { source { id } } }',
        { input: { kind: 'FEED', name: 'Recipes', url: `${harness.origin}/recipes.xml` } },
        token,
      );
      await open(page, `/sources/${createSource.source.id}`, 'Source: Recipes');
      const rules = page.getByRole('form', { name: 'Rules' });
      await rules.getByRole('checkbox', { name: 'Shop site (WEBHOOK)' }).check();
      await rules.getByLabel('Template').fill('{{ title | nonsense }}');
      await rules.getByRole('button', { name: 'Save rules' }).click();
      // The API's issue for the template, under the template (nothing is saved).
      const template = rules.getByRole('textbox', { name: 'Template' });
      await expect.poll(async () => page.locator(`[id="${await template.getAttribute('aria-describedby')}"]`).textContent()).toMatch(/nonsense/);
      expect((await harness.t.ok('query($id: ID!) { source(id: $id) { rules } }', { id: createSource.source.id }, token)).source.rules.channelIds).toEqual([]);

      await rules.getByLabel('Template').fill('New: {{ title }} {{ url }}');
      await rules.getByRole('switch', { name: 'Its posts wait for approval' }).check();
      await rules.getByRole('button', { name: 'Save rules' }).click();
      await page.getByText('Rules saved').waitFor();
      const saved = (await harness.t.ok('query($id: ID!) { source(id: $id) { rules } }', { id: createSource.source.id }, token)).source.rules;
      expect(saved).toMatchObject({ channelIds: [channel.id], templates: { default: 'New: {{ title }} {{ url }}' }, requiresApproval: true });
      await page.getByRole('table', { name: 'Events' }).waitFor();
      await expectNoSeriousA11yViolations(page, "a source's page");
      await screenshot(page, 'source-detail');
    },
    TEST_TIMEOUT,
  );
});

describe('Team', () => {
  it(
    'invites a member with the link shown once, lists the invitation and revokes it',
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/sources', 'Sources');
      await page.getByRole('menuitem', { name: 'Team' }).click();
      await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
      const invite = page.getByRole('form', { name: 'Invite' });
      await invite.getByLabel('Email to invite').fill('baker@example.com');
      await invite.getByRole('combobox', { name: 'Their role' }).click();
      await page.getByRole('option', { name: 'Viewer' }).click();
      await invite.getByRole('button', { name: 'Invite' }).click();
      const link = await page.getByTestId('invitation-link').locator('[data-secret="Invitation link"]').textContent();
      expect(link).toMatch(/^https?:\/\/.+\/.+/);
      const pending = page.getByRole('list', { name: 'Pending invitations' });
      await pending.getByText('baker@example.com · Viewer').waitFor();
      expect((await harness.t.ok('{ invitations { email role } }', {}, token)).invitations).toEqual([{ email: 'baker@example.com', role: 'VIEWER' }]);
      await expectNoSeriousA11yViolations(page, 'the team page');
      await screenshot(page, 'team');

      await page.getByRole('button', { name: 'Revoke the invitation of baker@example.com' }).click();
      await confirm(page);
      await page.getByText('No pending invitations.').waitFor();
      expect((await harness.t.ok('{ invitations { email } }', {}, token)).invitations).toEqual([]);
      await page.reload();
      await page.getByText('No pending invitations.').waitFor();
      expect(await page.getByTestId('invitation-link').count()).toBe(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'accepts an invitation from its link: a new person chooses a password and lands in the workspace; the link then works no more',
    async () => {
      const page = harness.page;
      // The owner through the API only: this browser is the invited person's, signed in to nothing.
      const ownerEmail = `owner${Date.now()}@example.com`;
      const { signup } = await harness.t.ok(
        'mutation($email: String!, $password: String!) { signup(email: $email, password: $password, workspaceName: "Acme Bakery") { token } }',
        { email: ownerEmail, password: PASSWORD },
      );
      const email = `invited${Date.now()}@example.com`;
      const { link } = (await harness.t.ok('mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link } }', { email }, signup.token)).inviteMember;
      // The link as mailed (its path on this server): sent on to the console's page, the token in the fragment.
      const path = new URL(link).pathname;
      expect(path).toMatch(/^\/invitations\/[A-Za-z0-9_-]+$/);
      await page.goto(`${harness.origin}${path}`);
      await page.getByRole('heading', { level: 1, name: 'Join a workspace' }).waitFor({ timeout: 30_000 });
      expect(new URL(page.url()).hash).toBe(`#/invitation/${path.split('/').at(-1)}`);
      const form = page.getByRole('form', { name: 'Create my account and join' });
      await form.getByLabel('Password').fill('short');
      await form.getByRole('button', { name: 'Create my account and join' }).click();
      // The API's rule, under the field; nothing created.
      await expect.poll(async () => (await form.getByLabel('Password').getAttribute('aria-invalid')) ?? 'false').toBe('true');
      await expectNoSeriousA11yViolations(page, 'the invitation page');
      await screenshot(page, 'invitation');
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Create my account and join' }).click();
      await page.getByRole('heading', { level: 1, name: /^Dashboard/ }).waitFor({ timeout: 30_000 });

      const { login } = await harness.t.ok('mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', { email, password: PASSWORD });
      const { workspace, members } = await harness.t.ok('{ workspace { name } members { email role } }', {}, login.token);
      expect(workspace.name).toBe('Acme Bakery');
      expect(members).toEqual(expect.arrayContaining([{ email, role: 'EDITOR' }]));

      // Signed in now, the same link again: the page offers to accept with this account, and shows why it cannot.
      await page.goto(`${harness.origin}${path}`);
      await page.getByText(`You are signed in as ${email}.`).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Accept the invitation' }).click();
      await page
        .getByRole('alert')
        .getByText(/^The invitation could not be accepted: /)
        .waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    "changes a member's role, and a viewer sees the API's refusal on the API keys page",
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/settings', 'Settings');
      const editor = await member(token, 'EDITOR');
      await open(page, '/team', 'Team');
      await page.getByRole('combobox', { name: `Role of ${editor.email}` }).click();
      await page.getByRole('option', { name: 'Viewer' }).click();
      await page.getByText(`The role of ${editor.email} was changed`).waitFor();
      const { members } = await harness.t.ok('{ members { email role } }', {}, token);
      expect(members.find((m: { email: string }) => m.email === editor.email).role).toBe('VIEWER');

      // Now a viewer: signed in as them, the team shows without its actions and the API keys page says why it is empty.
      await harness.context.clearCookies();
      await cookieSession('mutation($email: String!, $password: String!) { login(email: $email, password: $password, cookie: true) { token } }', editor.email);
      await page.reload(); // a new session: nothing cached from the owner's
      await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
      await page.getByRole('cell', { name: editor.email, exact: true }).waitFor();
      expect(await page.getByRole('combobox', { name: /^Role of/ }).count()).toBe(0);
      expect(await page.getByRole('form', { name: 'Invite' }).count()).toBe(0);
      await open(page, '/api-keys', 'API keys');
      await page.getByRole('alert').filter({ hasText: 'apiKeys needs the ADMIN role (you are VIEWER)' }).waitFor();
      await expectNoSeriousA11yViolations(page, 'the API keys page refused');
    },
    TEST_TIMEOUT,
  );
});

describe('Approval', () => {
  it(
    "approves an EDITOR's post into SCHEDULED and rejects another with a reason",
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/settings', 'Settings');
      await harness.t.ok('mutation { updateWorkspaceSettings(input: { approval: EDITORS }) { approval } }', {}, token);
      const channel = await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Bakery site', OPEN_POLICY);
      const editor = await member(token, 'EDITOR');
      const first = await createPost(harness.t, editor.token, { content: 'Fresh croissants tomorrow', channelIds: [channel.id], scheduledAt: inMs(86_400_000) });
      const second = await createPost(harness.t, editor.token, { content: 'Half-price cakes, all week', channelIds: [channel.id], scheduledAt: inMs(2 * 86_400_000) });
      expect([first.deliveries[0]!.status, second.deliveries[0]!.status]).toEqual(['AWAITING_APPROVAL', 'AWAITING_APPROVAL']);

      await page.getByRole('menuitem', { name: 'Approval' }).click();
      await page.getByRole('heading', { level: 1, name: 'Approval' }).waitFor();
      const firstCard = page.getByTestId(`approval-${first.id}`);
      const secondCard = page.getByTestId(`approval-${second.id}`);
      await firstCard.getByText('Bakery site ·').waitFor();
      await secondCard.waitFor();
      await expectNoSeriousA11yViolations(page, 'the approval page');
      await screenshot(page, 'approval');

      await firstCard.getByRole('button', { name: 'Approve' }).click();
      await firstCard.waitFor({ state: 'detached' });
      const status = async (id: string) => (await harness.t.ok('query($id: ID!) { post(id: $id) { deliveries { status } comments { kind text } } }', { id }, token)).post;
      expect((await status(first.id)).deliveries).toEqual([{ status: 'SCHEDULED' }]);

      // Rejecting needs a reason: the button waits for one.
      expect(await secondCard.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
      await secondCard.getByLabel('Comment or reason').fill('Not this week: the oven is broken');
      await secondCard.getByRole('button', { name: 'Reject' }).click();
      await secondCard.waitFor({ state: 'detached' });
      await page.getByText('No post is waiting for an approval.').waitFor();
      const rejected = await status(second.id);
      expect(rejected.deliveries).toEqual([{ status: 'CANCELLED' }]);
      expect(rejected.comments).toContainEqual({ kind: 'REJECTED', text: 'Not this week: the oven is broken' });
    },
    TEST_TIMEOUT,
  );
});

describe('API keys', () => {
  it(
    'creates a key shown once that works with Bearer, and revokes it so that it is refused',
    async () => {
      const page = harness.page;
      await owner(page, '/team', 'Team');
      await page.getByRole('menuitem', { name: 'API keys' }).click();
      await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
      const create = page.getByRole('form', { name: 'New API key' });
      await create.getByLabel('Name').fill('Zapier');
      await create.getByRole('checkbox', { name: 'Read posts' }).check();
      await create.getByRole('button', { name: 'Create key' }).click();
      const key = (await page.getByTestId('new-api-key').locator('[data-secret="Key Zapier"]').textContent())!;
      const list = page.getByRole('table', { name: 'Keys' });
      await list.getByRole('row').filter({ hasText: 'Zapier' }).getByText('Read posts').waitFor();
      await expectNoSeriousA11yViolations(page, 'the API keys page');
      await screenshot(page, 'api-keys');

      const withKey = async (query: string) => {
        const response = await fetch(`${harness.origin}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        });
        return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
      };
      expect((await withKey('{ posts(first: 1) { edges { cursor } } }')).data).toEqual({ posts: { edges: [] } });
      // Its scopes hold: reading channels was not given.
      expect((await withKey('{ channels { id } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      await page.getByRole('button', { name: 'Revoke key Zapier' }).click();
      await confirm(page);
      await page.getByText('No API keys yet.').waitFor();
      const refused = await withKey('{ posts(first: 1) { edges { cursor } } }');
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      await page.getByRole('switch', { name: 'Show revoked keys' }).check();
      await list
        .getByRole('row')
        .filter({ hasText: 'Zapier' })
        .getByText(/^Revoked /)
        .waitFor();
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
      expect(await page.content()).not.toContain(key);
    },
    TEST_TIMEOUT,
  );
});

describe('Settings', () => {
  it(
    'saves the approval mode, and stays readable on a phone',
    async () => {
      const page = harness.page;
      const { token } = await owner(page, '/api-keys', 'API keys');
      await page.getByRole('menuitem', { name: 'Settings' }).click();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      const form = page.getByRole('form', { name: 'Workspace settings' });
      await form.getByRole('combobox', { name: 'Approval' }).click();
      await page.getByRole('option', { name: 'Every post' }).click();
      await form.getByRole('combobox', { name: 'Approved after its time' }).click();
      await page.getByRole('option', { name: 'Next free slot' }).click();
      await form.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Settings saved').waitFor();
      expect((await harness.t.ok('{ workspace { settings { approval lateApproval } } }', {}, token)).workspace.settings).toEqual({ approval: 'ALL', lateApproval: 'NEXT_SLOT' });
      await page.getByRole('combobox', { name: 'A post failed' }).waitFor();
      await expectNoSeriousA11yViolations(page, 'the settings page');
      await screenshot(page, 'settings');

      await page.setViewportSize(PHONE);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
      await expect.poll(() => form.getByRole('combobox', { name: 'Approval', exact: true }).textContent()).toBe('Every post');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      await expectNoSeriousA11yViolations(page, 'the settings page on a phone');
      await screenshot(page, 'settings-phone');
    },
    TEST_TIMEOUT,
  );
});
