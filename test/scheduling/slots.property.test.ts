// Property-based: whatever the policy, zone and neighbouring posts, the slot finder answers an instant no rule
// forbids, and no earlier instant at or after the request was allowed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, defaultPolicy, NO_LIMITS } from '../../src/scheduling/policy.js';
import { Occupancy } from '../../src/scheduling/occupancy.js';
import { findSlot, violationsAt } from '../../src/scheduling/slots.js';
import { brokenRules } from './oracle.js';
import { ZONES, instant, policyArb } from './arbitraries.js';

const DAY = 86_400_000;
const scenario = fc.record({
  policy: policyArb(),
  zone: fc.constantFrom(...ZONES),
  from: instant,
  offsets: fc.array(fc.integer({ min: -3 * DAY, max: 10 * DAY }), { maxLength: 40 }),
  probes: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
});

describe('findSlot', () => {
  it('answers an allowed instant at or after the request, and nothing earlier was allowed', () => {
    fc.assert(
      fc.property(scenario, ({ policy, zone, from, offsets, probes }) => {
        const others = offsets.map((o) => from + o);
        const compiled = compilePolicy(policy, { timezone: zone, limits: NO_LIMITS, paused: false });
        const until = from + 30 * DAY;
        const { at } = findSlot(compiled, new Occupancy(others), from, until);
        const channel = { policy, zone };
        const end = at ?? until;
        if (at !== null) {
          expect(at).toBeGreaterThanOrEqual(from);
          expect(brokenRules(channel, others, at)).toEqual([]);
        }
        for (const p of [0, ...probes]) {
          const probe = from + Math.floor(p * (end - from));
          if (probe >= from && probe < end) expect(brokenRules(channel, others, probe), `probe ${new Date(probe).toISOString()}`).not.toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports exactly the rules the oracle finds broken (what EXACT mode refuses with)', () => {
    fc.assert(
      fc.property(scenario, ({ policy, zone, from, offsets }) => {
        const others = offsets.map((o) => from + o);
        const compiled = compilePolicy(policy, { timezone: zone, limits: NO_LIMITS, paused: false });
        const hits = violationsAt(compiled, new Occupancy(others), from).map((h) => h.code);
        expect(hits.length === 0).toBe(brokenRules({ policy, zone }, others, from).length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('under the queue layer, answers an instant inside the rules and the queue hours and spacing, and nothing earlier was', () => {
    fc.assert(
      fc.property(scenario, ({ policy, zone, from, offsets, probes }) => {
        const others = offsets.map((o) => from + o);
        const compiled = compilePolicy(policy, { timezone: zone, limits: NO_LIMITS, paused: false, layer: 'QUEUE' });
        const until = from + 30 * DAY;
        const { at } = findSlot(compiled, new Occupancy(others), from, until);
        const channel = { policy, zone };
        if (at !== null) expect(brokenRules(channel, others, at, 'QUEUE')).toEqual([]);
        for (const p of [0, ...probes]) {
          const probe = from + Math.floor(p * ((at ?? until) - from));
          if (probe >= from && probe < (at ?? until)) expect(brokenRules(channel, others, probe, 'QUEUE'), `probe ${new Date(probe).toISOString()}`).not.toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets the queue hours or spacing refuse or move a post with a time (the rules layer ignores them)', () => {
    fc.assert(
      fc.property(scenario, ({ policy, zone, from, offsets }) => {
        const others = new Occupancy(offsets.map((o) => from + o));
        const rules = compilePolicy(policy, { timezone: zone, limits: NO_LIMITS, paused: false });
        const withoutQueue = compilePolicy({ ...policy, queueHours: {}, queueSpacingMinutes: 0 }, { timezone: zone, limits: NO_LIMITS, paused: false });
        expect(findSlot(rules, others, from, from + 30 * DAY)).toEqual(findSlot(withoutQueue, others, from, from + 30 * DAY));
        expect(violationsAt(rules, others, from).map((h) => h.code)).toEqual(violationsAt(withoutQueue, others, from).map((h) => h.code));
      }),
      { numRuns: 200 },
    );
  });

  it("keeps any instant asked on a channel nobody configured, whatever is already taken (only the network's caps apply)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, fc.array(fc.integer({ min: -DAY, max: DAY }), { maxLength: 40 }), (zone, from, offsets) => {
        const compiled = compilePolicy(defaultPolicy(NO_LIMITS), { timezone: zone, limits: NO_LIMITS, paused: false });
        const others = new Occupancy([...offsets.map((o) => from + o), from]);
        expect(findSlot(compiled, others, from, from + DAY)).toEqual({ at: from, hits: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('finds nothing on a paused channel', () => {
    const compiled = compilePolicy(
      {
        windows: { '1': [{ start: '00:00', end: '24:00' }] },
        blackouts: [],
        minIntervalMinutes: 0,
        dailyCap: null,
        rolling24hCap: null,
        reservedShare: 0,
        queueHours: {},
        queueSpacingMinutes: 0,
      },
      { timezone: 'UTC', limits: NO_LIMITS, paused: true },
    );
    expect(findSlot(compiled, new Occupancy(), Date.parse('2026-05-04T10:00:00Z'), Date.parse('2026-06-04T10:00:00Z'))).toMatchObject({ at: null, hits: [{ code: 'PAUSED' }] });
  });
});
