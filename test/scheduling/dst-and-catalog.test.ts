// Named cases: the DST transitions of Europe/Berlin and America/New_York, and a catalog import.
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { compilePolicy, type PostingPolicy, NO_LIMITS } from '../../src/scheduling/policy.js';
import { Occupancy } from '../../src/scheduling/occupancy.js';
import { findSlot, violationsAt } from '../../src/scheduling/slots.js';
import { placePending, type PendingDelivery } from '../../src/scheduling/distribute.js';
import { brokenRules } from './oracle.js';

const everyDay = (ranges: { start: string; end: string }[]) => Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, ranges]));
const policy = (over: Partial<PostingPolicy>): PostingPolicy => ({
  windows: everyDay([{ start: '00:00', end: '24:00' }]),
  blackouts: [],
  minIntervalMinutes: 0,
  dailyCap: null,
  rolling24hCap: null,
  reservedShare: 0,
  queueHours: {},
  queueSpacingMinutes: 0,
  ...over,
});
const at = (iso: string) => Date.parse(iso);
const local = (t: number | null, zone: string) => (t === null ? null : DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true }));
const slot = (p: PostingPolicy, zone: string, from: string, taken: string[] = []) =>
  findSlot(compilePolicy(p, { timezone: zone, limits: NO_LIMITS, paused: false }), new Occupancy(taken.map(at)), at(from), at(from) + 30 * 86_400_000);

describe('Europe/Berlin', () => {
  const zone = 'Europe/Berlin';
  it('spring forward (2026-03-29): a window inside the skipped hour does not exist that day', () => {
    const p = policy({ windows: everyDay([{ start: '02:00', end: '03:00' }]) });
    // 01:30 local (00:30Z) on the transition day: the 02:00-03:00 window never happens, so the next is on the 30th.
    expect(local(slot(p, zone, '2026-03-29T00:30:00Z').at, zone)).toBe('2026-03-30T02:00:00+02:00');
  });

  it('spring forward: a window from 02:30 starts when the clocks jump, at 03:00 CEST', () => {
    const p = policy({ windows: everyDay([{ start: '02:30', end: '04:00' }]) });
    expect(local(slot(p, zone, '2026-03-29T00:10:00Z').at, zone)).toBe('2026-03-29T03:00:00+02:00');
  });

  it('fall back (2026-10-25): both 02:xx hours are inside a 02:00-03:00 window, and intervals count real time', () => {
    const p = policy({ windows: everyDay([{ start: '02:00', end: '03:00' }]), minIntervalMinutes: 45 });
    const first = slot(p, zone, '2026-10-24T23:00:00Z'); // 01:00 CEST
    expect(local(first.at, zone)).toBe('2026-10-25T02:00:00+02:00');
    const second = slot(p, zone, '2026-10-25T00:00:00Z', ['2026-10-25T00:00:00Z']);
    expect(local(second.at, zone)).toBe('2026-10-25T02:45:00+02:00');
    const third = slot(p, zone, '2026-10-25T00:45:00Z', ['2026-10-25T00:00:00Z', '2026-10-25T00:45:00Z']);
    expect(local(third.at, zone)).toBe('2026-10-25T02:30:00+01:00'); // the repeated hour, 90 real minutes after 02:00 CEST
  });

  it('fall back: the 25-hour day is one calendar day for the daily cap', () => {
    const p = policy({ dailyCap: 2 });
    const taken = ['2026-10-24T22:30:00Z', '2026-10-25T22:00:00Z']; // 00:30 CEST and 23:00 CET, the same local day
    expect(local(slot(p, zone, '2026-10-25T12:00:00Z', taken).at, zone)).toBe('2026-10-26T00:00:00+01:00');
  });
});

describe('America/New_York', () => {
  const zone = 'America/New_York';
  it('spring forward (2026-03-08): 02:30 does not exist; a SHIFT request lands at the first allowed instant', () => {
    const p = policy({ windows: everyDay([{ start: '01:00', end: '05:00' }]) });
    expect(local(slot(p, zone, '2026-03-08T07:00:00Z').at, zone)).toBe('2026-03-08T03:00:00-04:00');
  });

  it('fall back (2026-11-01): 01:30 EDT and 01:30 EST are both in a 01:00-02:00 window', () => {
    const compiled = compilePolicy(policy({ windows: everyDay([{ start: '01:00', end: '02:00' }]) }), { timezone: zone, limits: NO_LIMITS, paused: false });
    expect(violationsAt(compiled, new Occupancy(), at('2026-11-01T05:30:00Z'))).toEqual([]); // 01:30 EDT
    expect(violationsAt(compiled, new Occupancy(), at('2026-11-01T06:30:00Z'))).toEqual([]); // 01:30 EST
    expect(violationsAt(compiled, new Occupancy(), at('2026-11-01T07:00:00Z')).map((h) => h.code)).toEqual(['OUTSIDE_WINDOW']); // 02:00 EST
  });

  it('a blackout date covers the whole local day, not the UTC one', () => {
    const p = policy({ blackouts: [{ start: '2026-11-26', end: '2026-11-26', label: 'Thanksgiving' }] });
    expect(local(slot(p, zone, '2026-11-26T12:00:00Z').at, zone)).toBe('2026-11-27T00:00:00-05:00');
  });
});

describe('catalog import', () => {
  it('spreads 300 products over the coming days on two channels (09:00-21:00, every 30 and 15 minutes) with no violation', () => {
    const zone = 'Europe/Berlin';
    const now = at('2026-05-04T06:00:00Z');
    const channels = [
      { id: 'shop-telegram', p: policy({ windows: everyDay([{ start: '09:00', end: '21:00' }]), minIntervalMinutes: 30, reservedShare: 0.2 }) },
      { id: 'shop-mastodon', p: policy({ windows: everyDay([{ start: '09:00', end: '21:00' }]), minIntervalMinutes: 15, reservedShare: 0.2 }) },
    ];
    const schedules = new Map(channels.map((c) => [c.id, { policy: compilePolicy(c.p, { timezone: zone, limits: NO_LIMITS, paused: false }), occupied: new Occupancy() }]));
    const items: PendingDelivery[] = channels.flatMap((c) =>
      Array.from({ length: 300 }, (_, i) => ({
        id: `${c.id}-${String(i).padStart(3, '0')}`,
        channelId: c.id,
        priority: 0,
        createdAt: now - 300 + i,
        sourceKey: 'PRODUCT:import-1',
      })),
    );
    const { placed, unplaced } = placePending(items, schedules, now, 7 * 86_400_000);

    for (const c of channels) {
      const mine = placed
        .filter((p) => p.channelId === c.id)
        .map((p) => p.at)
        .sort((a, b) => a - b);
      mine.forEach((t, i) =>
        expect(
          brokenRules(
            { policy: c.p, zone },
            mine.filter((_, j) => j !== i),
            t,
          ),
        ).toEqual([]),
      );
      const days = new Map<string, number>();
      for (const t of mine) days.set(DateTime.fromMillis(t, { zone }).toISODate()!, (days.get(DateTime.fromMillis(t, { zone }).toISODate()!) ?? 0) + 1);
      expect(days.size).toBe(7); // every day of the week gets some, no day gets them all
      const slotsPerDay = (12 * 60) / c.p.minIntervalMinutes;
      for (const count of days.values()) expect(count).toBeLessThanOrEqual(slotsPerDay - Math.floor(slotsPerDay * 0.2));
      expect(mine.length + unplaced.filter((u) => u.channelId === c.id).length).toBe(300);
    }
    // 24 slots a day at 30 minutes, less 20% kept for hand-scheduled posts: 20 a day, 140 a week; the rest waits.
    expect(placed.filter((p) => p.channelId === 'shop-telegram')).toHaveLength(140);
    expect(placed.filter((p) => p.channelId === 'shop-mastodon')).toHaveLength(7 * (48 - 9));
  });
});
