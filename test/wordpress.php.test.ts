// The WordPress plugin's PHP on its own: every file parses (php -l), the WordPress Coding Standards are clean (phpcs
// with WPCS 2.3.0 from ../shared/tools), PHPUnit passes on the pure parts, the signer's headers pass the same
// `standardwebhooks` verification PostFlow uses, and languages/postflow.pot matches the code's strings.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/childProcess.js';
import { installWordPressTools } from './helpers/wordpress.js';

const PLUGIN = path.join(PROJECT_ROOT, 'plugins/wordpress/postflow');
// Outside the repository on purpose (CI's clean clone sits next to the same ../shared).
const WPCS = path.resolve(PROJECT_ROOT, '../shared/tools/wpcs-2.3.0');

function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, encoding: 'utf8', input, maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function phpFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return phpFiles(full);
    return entry.name.endsWith('.php') ? [full] : [];
  });
}

beforeAll(() => installWordPressTools());

describe('the plugin PHP', () => {
  it('parses: php -l on every PHP file of the plugin and of scripts/wordpress', () => {
    const files = [...phpFiles(PLUGIN), ...phpFiles(path.join(PROJECT_ROOT, 'scripts/wordpress'))];
    expect(files.length).toBeGreaterThan(15);
    const broken = files.map((file) => ({ file, ...run('php', ['-l', file]) })).filter((r) => r.code !== 0);
    expect(broken.map((r) => r.output)).toEqual([]);
  });

  it('is clean under phpcs --standard=WordPress (WPCS 2.3.0), tests/ aside', () => {
    if (!existsSync(path.join(WPCS, 'WordPress/ruleset.xml'))) {
      throw new Error(`The WordPress Coding Standards are missing: expected ${WPCS} (../shared/tools/wpcs-2.3.0 next to the repository)`);
    }
    const result = run('phpcs', ['--runtime-set', 'installed_paths', WPCS, '--standard=WordPress', '--extensions=php', '--ignore=*/tests/*', '--report=emacs', '-q', PLUGIN]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('passes its PHPUnit tests (signer, idempotency keys, backoff, payload builder)', () => {
    const result = run('phpunit', ['-c', path.join(PLUGIN, 'phpunit.xml.dist')]);
    expect(result.output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
    expect(result.code).toBe(0);
  });

  it("signs what PostFlow's verification (the standardwebhooks package) accepts, and nothing altered", () => {
    const secret = `whsec_${Buffer.from('a secret of thirty-two bytes....').toString('base64')}`;
    const body = JSON.stringify({ type: 'item.published', item: { id: '12', title: 'Grüße & <b>' } });
    const script = `<?php define('ABSPATH', '/'); require ${JSON.stringify(path.join(PLUGIN, 'includes/class-postflow-signer.php'))};
$in = json_decode(stream_get_contents(STDIN), true);
echo json_encode(array_map(fn ($m) => Postflow_Signer::headers('pfs_site', $in['secret'], $m[0], time(), $m[1]), $in['messages']));`;
    const messages = [
      ['wp-0123456789abcdef0123456789abcdef01234567', body],
      ['msg_0123456789abcdef01234567', '/wordpress/status?items=12,15'],
    ];
    const result = run('php', ['-r', script.replace(/^<\?php /, '')], JSON.stringify({ secret, messages }));
    expect(result.code).toBe(0);
    const [event, get] = JSON.parse(result.output) as Record<string, string>[];
    const webhook = new Webhook(secret);
    expect(webhook.verify(body, event)).toEqual(JSON.parse(body));
    expect(event['x-postflow-site']).toBe('pfs_site');
    // verify() JSON-parses what it checked: for a GET's path that parse is the only complaint once the signature holds.
    expect(webhook.sign(get['webhook-id'], new Date(Number(get['webhook-timestamp']) * 1000), '/wordpress/status?items=12,15')).toBe(get['webhook-signature']);
    expect(() => webhook.verify(body.replace('12', '13'), event)).toThrow(/signature/i);
    expect(() => webhook.verify(body, { ...event, 'webhook-id': 'wp-other' })).toThrow(/signature/i);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`).verify(body, event)).toThrow(/signature/i);
  });

  it('has a languages/postflow.pot that holds every translatable string (scripts/wordpress/make-pot.php --check)', () => {
    const result = run('php', [path.join(PROJECT_ROOT, 'scripts/wordpress/make-pot.php'), PLUGIN, '--check']);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
