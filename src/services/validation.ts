// Small helpers to collect every problem with an input before refusing it, each named by its field path.
import { IANAZone } from 'luxon';
import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../domain/errors.js';

export class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: (string | number)[], rule: string, message: string): this {
    this.list.push({ path, rule, message });
    return this;
  }
  check(ok: boolean, path: (string | number)[], rule: string, message: string): boolean {
    if (!ok) this.add(path, rule, message);
    return ok;
  }
  fromZod(base: (string | number)[], error: z.ZodError): this {
    for (const i of error.issues) this.add([...base, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], i.code, i.message);
    return this;
  }
  throwIfAny(): void {
    if (this.list.length) throw new ValidationError(this.list);
  }
}

export const isValidTimezone = (zone: string) => IANAZone.isValidZone(zone);

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

/** For lookups by an id a client sent: Postgres refuses a malformed uuid with an error, but such an id should simply match nothing. */
export const uuidOrNil = (id: string) => (isUuid(id) ? id : '00000000-0000-0000-0000-000000000000');
