// Runs only in the projects that set TZ (vitest.config.ts): proves those runs really use an unusual process zone,
// so the scheduling tests passing there means the core does not depend on it.
import { describe, expect, it } from 'vitest';

describe('the process time zone', () => {
  it('is the one the project sets', () => {
    expect(process.env.TZ).toMatch(/^(Pacific\/Kiritimati|America\/Los_Angeles)$/);
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
    const offset = new Date('2026-01-01T00:00:00Z').getTimezoneOffset();
    expect(offset).toBe(process.env.TZ === 'Pacific/Kiritimati' ? -14 * 60 : 8 * 60);
  });
});
