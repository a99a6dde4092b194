// Email verification, when SMTP is configured: a single-use link valid 24 hours, mailed at sign-up and on
// requestEmailVerification; verifyEmail(token) marks the account verified. Accepting an invitation mailed to the
// address proves it too (src/services/members.ts). Without SMTP_URL nothing can be verified, so every account counts
// as verified. An unverified account uses the app, but does not invite others: an invitation mails a stranger in
// PostFlow's name, which an address nobody proved must not be able to make it do.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { findEmailVerification, insertEmailVerification, takeEmailVerification } from '../store/emailVerifications.js';
import { spend } from './throttles.js';
import type { ServiceDeps } from './deps.js';
import type { Auth } from '../domain/auth.js';

export const EMAIL_VERIFICATION_TTL_MS = 24 * 3600 * 1000;

// Only the hash is stored: someone reading a backup cannot verify an address they do not read.
const hashVerificationToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Whether the account counts as verified: proven, or nothing to prove it with (no SMTP). */
export const countsAsVerified = (deps: Pick<ServiceDeps, 'mailer'>, verifiedAt: Date | null) => verifiedAt !== null || deps.mailer === null;

/**
 * Mails a verification link to the account's address; false when there is no SMTP. The mail is handed to the relay
 * without the caller waiting (sign-up answers at once); a relay that refuses is logged, and the person asks again.
 */
export async function mailEmailVerification(deps: ServiceDeps, user: { id: string; email: string }): Promise<boolean> {
  const mailer = deps.mailer;
  if (!mailer) return false;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + EMAIL_VERIFICATION_TTL_MS);
  await insertEmailVerification(deps.pool, { userId: user.id, email: user.email, tokenHash: hashVerificationToken(token), expiresAt });
  const link = `${deps.config.publicUrl}/verify-email/${token}`;
  mailer
    .send({
      to: user.email,
      subject: 'Confirm your email address for PostFlow',
      text: [
        'Confirm that this address is yours, so that your PostFlow account may invite others:',
        '',
        link,
        '',
        `The link works once, until ${expiresAt.toISOString()}. If you did not create a PostFlow account, ignore this mail.`,
      ].join('\n'),
    })
    .catch((error: Error) => deps.logger.warn('could not mail an email verification', { userId: user.id, error: error.message }));
  return true;
}

/**
 * Mails a new link to the caller; true when one was sent, false when there is nothing to do (verified already, or
 * no SMTP). Counted per address and per person like password resets, so nobody floods a mailbox with it.
 */
export async function requestEmailVerification(deps: ServiceDeps, auth: Auth, clientIp: string): Promise<boolean> {
  await spend(deps.throttles.emailVerificationIp, clientIp, 'email verification requests from this address');
  await spend(deps.throttles.emailVerificationUser, auth.userId, 'email verification requests for this account');
  const user = await findEmailVerification(deps.pool, auth.userId);
  if (!user || user.verifiedAt || !deps.mailer) return false;
  return mailEmailVerification(deps, { id: auth.userId, email: user.email });
}

/** Marks the account of a verification link verified; the link is then used up. Counted per address before it is looked at. */
export async function verifyEmail(deps: ServiceDeps, token: string, clientIp: string): Promise<boolean> {
  await spend(deps.throttles.emailVerificationIp, clientIp, 'email verification attempts from this address');
  const taken = token.length <= 100 ? await takeEmailVerification(deps.pool, hashVerificationToken(token)) : null;
  if (!taken) throw new AppError('NOT_FOUND', 'This verification link is not valid: used already, expired or mistyped. Ask for a new one (requestEmailVerification)');
  return true;
}

/** FORBIDDEN for an account whose address is unproven, naming what to do (with SMTP; without it everyone counts as verified). */
export async function refuseUnverifiedEmail(deps: ServiceDeps, userId: string, operation: string): Promise<void> {
  if (!deps.mailer) return;
  const user = await findEmailVerification(deps.pool, userId);
  if (user && countsAsVerified(deps, user.verifiedAt)) return;
  throw new AppError('FORBIDDEN', `${operation} needs a verified email address: open the link mailed to ${user?.email ?? 'you'}, or ask for a new one (requestEmailVerification)`, {
    operation,
    requiredVerification: 'email',
  });
}
