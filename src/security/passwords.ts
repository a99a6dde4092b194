// Password hashing (scrypt) and the rules a new password must meet, after NIST SP 800-63B: a minimum length
// (12 characters by default: rev. 3 asks for 8, rev. 4 for 15 where the password is the only factor, so an
// operator who wants that sets POSTFLOW_PASSWORD_MIN_LENGTH=15), no composition rules, any character allowed,
// refused when it is a commonly used one or trivially derived from the account; and a maximum size, so that a
// huge "password" is refused before any hashing work.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../projectRoot.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** 64 characters of any script fit (NIST asks to allow at least 64); more is not a password anyone types. */
export const PASSWORD_MAX_BYTES = 256;

// tsc copies no data files into dist/, and the sources are always beside a build (scripts/start.mjs builds from
// them), so the list is read from src/ in both cases.
const LIST = path.join(projectRoot(import.meta.url), 'src/security/common-passwords.txt');
let common: Set<string> | null = null;
const commonPasswords = () =>
  (common ??= new Set(
    readFileSync(LIST, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#')),
  ));

export interface PasswordProblem {
  rule: 'maxBytes' | 'minLength' | 'common' | 'repetitive' | 'email';
  message: string;
}

/** The first rule a new password breaks, or null. The size is checked first, before the string is looked at. */
export function passwordProblem(password: string, options: { minLength: number; email?: string }): PasswordProblem | null {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return { rule: 'maxBytes', message: `password must be at most ${PASSWORD_MAX_BYTES} bytes` };
  const characters = [...password];
  if (characters.length < options.minLength) return { rule: 'minLength', message: `password must be at least ${options.minLength} characters` };
  if (password.trim() === '' || new Set(characters).size === 1) return { rule: 'repetitive', message: 'password must not be one character repeated or only spaces' };
  const folded = password.normalize('NFKC').toLowerCase();
  if (commonPasswords().has(folded) || commonPasswords().has(folded.trim())) return { rule: 'common', message: 'password is too common: choose a longer phrase of your own' };
  if (options.email) {
    const email = options.email.toLowerCase();
    const local = email.split('@')[0];
    if (folded === email || folded.includes(email) || (local.length >= 4 && folded.replace(/[^\p{L}\p{N}]/gu, '') === local.replace(/[^\p{L}\p{N}]/gu, ''))) {
      return { rule: 'email', message: 'password must not be the email address' };
    }
  }
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}
