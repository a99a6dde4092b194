// The smart scheduler's placement alone (no database): N pending deliveries over 10 channels with realistic
// policies, 7-day horizon. Prints time and heap per size. Usage: tsx bench/smart-schedule-core.ts [sizes...]
import { compilePolicy, defaultPolicy } from '../src/scheduling/policy.js';
import { Occupancy } from '../src/scheduling/occupancy.js';
import { placePending, type ChannelSchedule, type PendingDelivery } from '../src/scheduling/distribute.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const PLATFORMS = ['MASTODON', 'TELEGRAM', 'WEBHOOK', 'MASTODON', 'TELEGRAM'];
const now = Date.parse('2026-06-01T05:00:00Z');

/** `default`: each platform's default policy (08:00-21:00, 5-60 min apart), so capacity runs out; `open`: round the clock, no interval. */
function scenario(n: number, kind: 'default' | 'open') {
  const channels = new Map<string, ChannelSchedule>();
  for (let c = 0; c < 10; c++) {
    const platform = PLATFORMS[c % PLATFORMS.length];
    const base = defaultPolicy(platform);
    const policy =
      kind === 'default'
        ? { ...base, minIntervalMinutes: [15, 30, 5, 10, 60][c % 5] }
        : { ...base, minIntervalMinutes: 0, windows: Object.fromEntries(Object.keys(base.windows).map((d) => [d, [{ start: '00:00', end: '24:00' }]])) };
    // A few hand-scheduled posts already on each channel.
    const existing = Array.from({ length: 20 }, (_, i) => now + i * 7 * 3_600_000 + c * 60_000);
    channels.set(`channel-${c}`, { policy: compilePolicy(policy, { timezone: ZONES[c % ZONES.length], platform, paused: false }), occupied: new Occupancy(existing) });
  }
  const items: PendingDelivery[] = Array.from({ length: n }, (_, i) => ({
    id: `delivery-${String(i).padStart(7, '0')}`,
    channelId: `channel-${i % 10}`,
    priority: i % 17 === 0 ? 5 : 0,
    createdAt: now - (n - i) * 1000,
    sourceKey: ['PRODUCT:import-1', 'ARTICLE:blog', 'IMPORT:csv'][i % 3],
  }));
  return { channels, items };
}

for (const kind of ['default', 'open'] as const) {
  for (const n of sizes.length ? sizes : [1_000, 10_000, 100_000]) {
    const { channels, items } = scenario(n, kind);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = placePending(items, channels, now, 7 * 86_400_000);
    const ms = performance.now() - started;
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `${kind.padEnd(7)} ${String(n).padStart(7)} pending: placed ${String(result.placed.length).padStart(6)}, left pending ${String(result.unplaced.length).padStart(6)}` +
        ` in ${ms.toFixed(0).padStart(5)} ms; heap +${((heapAfter - heapBefore) / 1048576).toFixed(1)} MB; process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
  }
}
