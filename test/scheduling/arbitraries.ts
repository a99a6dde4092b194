// fast-check generators of policies, zones and instants.
import fc from 'fast-check';
import type { PostingPolicy, TimeRange, Week } from '../../src/scheduling/policy.js';

export const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Kiritimati', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Los_Angeles'];

const hhmm = (minutes: number) => (minutes === 1440 ? '24:00' : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);

/** Up to three non-overlapping ranges in a day, on 15-minute marks. */
const dayRanges: fc.Arbitrary<TimeRange[]> = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 0, maxLength: 6 }).map((marks) => {
  const sorted = [...marks].sort((a, b) => a - b);
  const ranges: TimeRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) ranges.push({ start: hhmm(sorted[i] * 15), end: hhmm(sorted[i + 1] * 15) });
  return ranges;
});

export const START = Date.parse('2026-01-01T00:00:00Z');
export const END = Date.parse('2027-01-01T00:00:00Z');
export const instant = fc.integer({ min: START, max: END });

const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A week of ranges; sometimes no week at all (any hour: what a channel nobody configured has). */
const weekArb: fc.Arbitrary<Week> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(dayRanges, dayRanges, dayRanges, dayRanges, dayRanges, dayRanges, dayRanges)
      .map((days) => Object.fromEntries(days.map((ranges, i) => [String(i + 1), ranges]))),
  },
);

export const policyArb = (options: { reservedShare?: number; minIntervalMin?: number } = {}): fc.Arbitrary<PostingPolicy> =>
  fc.record({
    windows: weekArb,
    queueHours: weekArb,
    queueSpacingMinutes: fc.integer({ min: 0, max: 120 }),
    blackouts: fc.array(
      fc.tuple(instant, fc.integer({ min: 0, max: 3 })).map(([t, days]) => ({ start: isoDate(t), end: isoDate(t + days * 86_400_000) })),
      { maxLength: 3 },
    ),
    minIntervalMinutes: fc.integer({ min: options.minIntervalMin ?? 0, max: 180 }),
    dailyCap: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
    rolling24hCap: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
    reservedShare: fc.constant(options.reservedShare ?? 0.2),
  });
