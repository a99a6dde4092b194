// TOTP (RFC 6238: SHA-1, 6 digits, 30 s, what every authenticator app speaks) through otplib, and recovery codes.
import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';

export const newTotpSecret = (): string => generateSecret();

export const totpUri = (email: string, secret: string): string => generateURI({ issuer: 'PostFlow', label: email, secret });

/**
 * The time step a code belongs to when it is right for now or the step either side (a phone's clock drifts, a
 * person types slowly); null when it is not. The caller then takes that step once (store/accounts.ts#takeTotpStep).
 */
export async function totpStep(secret: string, code: string): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: 30 });
  return result.valid ? (result as { timeStep: number }).timeStep : null;
}

// Crockford-like alphabet without 0/O, 1/I/L: codes are read off paper and typed by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes of 10 characters each (~49 bits), shown once as xxxxx-xxxxx. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/** Codes of ~49 random bits need no slow hash: guessing one online is throttled, offline it is 2^49 tries per code. */
export const hashRecoveryCode = (code: string) => createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex');
