// Takes the README's screenshot of the plugin's settings page in headless Chromium, against a
// throwaway site from test/helpers/wordpress.ts with a loopback PostFlow stand-in. Needs Debian's chromium.
//   npx tsx scripts/wordpress/screenshots.mts
import { execFileSync, spawn } from 'node:child_process';
import WebSocket from 'ws';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, until } from '../../test/helpers/childProcess.js';
import { freePort } from '../../test/helpers/ports.js';
import { startWordPress } from '../../test/helpers/wordpress.js';
import { startReceiver } from '../../test/helpers/wordpressReceiver.js';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const receiver = await startReceiver(secret);
const wp = await startWordPress({
  pluginDir: path.join(PROJECT_ROOT, 'plugins/wordpress/postflow'),
  postflowUrl: receiver.url,
  options: { postflow_connection: { site_key: `pfs_${'A'.repeat(32)}`, secret } },
});
try {
  receiver.answer = () => ({ status: 400, body: { error: { code: 'VALIDATION', message: 'item.url must be a URL' } } });
  const refused = await wp.rest('/wp/v2/posts', { method: 'POST', body: JSON.stringify({ title: 'An event PostFlow refused', content: 'x', status: 'publish' }) });
  // The body ends when WordPress's request does, after the plugin's shutdown-time delivery: read it whole.
  const answer = await refused.text();
  if (!refused.ok) throw new Error(`creating the post: ${refused.status} ${answer}`);
  receiver.answer = null;
  await wp.evalPhp("set_transient('postflow_ping_1', Postflow_Client::ping(), 600);");
  // The editor: a published article whose panel reads its deliveries from the stand-in's GET /wordpress/status.
  const article = await wp.rest('/wp/v2/posts', {
    method: 'POST',
    body: JSON.stringify({ title: 'Spring at the farm', content: '<!-- wp:paragraph --><p>The first lambs are here.</p><!-- /wp:paragraph -->', status: 'publish' }),
  });
  const { id } = (await article.json()) as { id: number };
  if (!article.ok) throw new Error(`creating the article: ${article.status}`);
  // No welcome guide, the settings sidebar open; "?classic" shows the same post in the classic editor with the meta box.
  await wp.evalPhp(`global $wpdb; $user = get_user_by('login', ${JSON.stringify(wp.adminUser)});
update_user_meta($user->ID, $wpdb->get_blog_prefix() . 'persisted_preferences', array('core/edit-post' => array('welcomeGuide' => false, 'isComplementaryAreaVisible' => true, 'complementaryArea' => 'edit-post/document', 'openPanels' => array('post-status', 'postflow/postflow')), '_modified' => gmdate('c')));`);
  // Headless Chromium takes no cookies on its command line: this throwaway site hands every request the admin's
  // session cookies itself.
  const cookies = Object.fromEntries((await wp.login(wp.adminUser, wp.adminPassword)).split('; ').map((c) => c.split('=') as [string, string]));
  mkdirSync(path.join(wp.root, 'wp-content/mu-plugins'), { recursive: true });
  writeFileSync(
    path.join(wp.root, 'wp-content/mu-plugins/screenshot-login.php'),
    `<?php\n$_COOKIE = array_merge($_COOKIE, ${'json_decode(' + JSON.stringify(JSON.stringify(Object.fromEntries(Object.entries(cookies).map(([k, v]) => [k, decodeURIComponent(v)])))) + ', true)'});\n`,
  );
  const out = path.join(PROJECT_ROOT, 'plugins/wordpress/docs');
  // Through the DevTools protocol: `chromium --screenshot` paints the editor pages blank (it shoots before their
  // scripts have drawn anything), so the page loads, then has `wait` ms to settle before the capture.
  const shoot = async (url: string, file: string, size: string, wait: number) => {
    const port = await freePort();
    const [width, height] = size.split(',').map(Number);
    const browser = spawn(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${size}`, `--remote-debugging-port=${port}`, 'about:blank'],
      {
        stdio: 'ignore',
      },
    );
    try {
      let target: { webSocketDebuggerUrl: string } | undefined;
      await until(
        async () =>
          !!(target = await fetch(`http://127.0.0.1:${port}/json/new?about:blank`, { method: 'PUT' }).then(
            (r) => r.json() as Promise<{ webSocketDebuggerUrl: string }>,
            () => undefined,
          )),
        20_000,
        'chromium answers on its DevTools port',
      );
      const socket = new WebSocket(target!.webSocketDebuggerUrl);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      let next = 0;
      const waiting = new Map<number, (result: Record<string, unknown>) => void>();
      let loaded: () => void = () => {};
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.id) waiting.get(message.id)?.(message.result);
        if (message.method === 'Page.loadEventFired') loaded();
      });
      const call = (method: string, params: Record<string, unknown> = {}) =>
        new Promise<Record<string, unknown>>((resolve) => {
          waiting.set(++next, resolve);
          socket.send(JSON.stringify({ id: next, method, params }));
        });
      await call('Page.enable');
      await call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
      const load = new Promise<void>((resolve) => (loaded = resolve));
      await call('Page.navigate', { url });
      await load;
      await new Promise((resolve) => setTimeout(resolve, wait));
      const { data } = await call('Page.captureScreenshot', { format: 'png' });
      writeFileSync(path.join(out, file), Buffer.from(String(data), 'base64'));
      socket.close();
    } finally {
      browser.kill();
    }
  };
  execFileSync('mkdir', ['-p', out]);
  await shoot(`${wp.url}/wp-admin/options-general.php?page=postflow`, 'settings-page.png', '1280,1300', 5000);

  writeFileSync(
    path.join(wp.root, 'wp-content/mu-plugins/screenshot-classic.php'),
    `<?php\nadd_filter('use_block_editor_for_post', function ($use) { return isset($_GET['classic']) ? false : $use; });\n`,
  );
  await shoot(`${wp.url}/wp-admin/post.php?post=${id}&action=edit`, 'editor-panel.png', '1400,1750', 8000);
  await shoot(`${wp.url}/wp-admin/post.php?post=${id}&action=edit&classic=1`, 'classic-meta-box.png', '1280,1500', 3000);
  console.log(`screenshots in ${out}`);
} finally {
  await wp.stop();
  await receiver.close();
}
