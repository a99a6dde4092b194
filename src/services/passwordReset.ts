// Password reset by mail: requestPasswordReset mails a single-use link valid an hour, resetPassword sets the new
// password from it and ends every session of the person. Both are public (the token is the credential).
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { findUserByEmail, findUserById, revokeUserSessions, updatePasswordHash } from '../store/accounts.js';
import { findUsablePasswordReset, insertPasswordReset, takePasswordReset } from '../store/passwordResets.js';
import { transaction } from '../store/sql.js';
import { hashPassword } from '../security/passwords.js';
import { normalizeEmail, refuseOversizedPassword, refuseWeakPassword } from './accounts.js';
import { spend } from './throttles.js';
import type { ServiceDeps } from './deps.js';

export const PASSWORD_RESET_TTL_MS = 3600 * 1000;

// Only the hash is stored: someone reading the table (a backup, a replica) cannot use a pending reset.
const hashResetToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Always answers true, whether the email has an account or not, so the answer enumerates nobody. Without SMTP_URL
 * nothing is sent (there is nowhere to send the link). The mail is handed to the relay after the answer, so the
 * relay's latency does not tell known emails from unknown ones either. Counted per address and per email before
 * anything is looked up, so nobody floods a person's mailbox or scans emails quickly.
 */
export async function requestPasswordReset(deps: ServiceDeps, emailGiven: string, clientIp: string): Promise<boolean> {
  const email = normalizeEmail(emailGiven);
  await spend(deps.throttles.passwordResetIp, clientIp, 'password reset requests from this address');
  await spend(deps.throttles.passwordResetEmail, email, 'password reset requests for this email');
  const mailer = deps.mailer;
  if (!mailer || email.length > 254) return true;
  const user = await findUserByEmail(deps.pool, email);
  if (!user) return true;
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS);
  await insertPasswordReset(deps.pool, { userId: user.id, tokenHash: hashResetToken(token), expiresAt });
  const link = `${deps.config.publicUrl}/reset-password/${token}`;
  mailer
    .send({
      to: user.email,
      subject: 'Reset your PostFlow password',
      text: [
        'Someone (you, we hope) asked to reset the password of your PostFlow account.',
        '',
        `Choose a new password: ${link}`,
        '',
        `The link works once, until ${expiresAt.toISOString()}. If you did not ask for it, ignore this mail: your password stays as it is.`,
      ].join('\n'),
    })
    .catch((error: Error) => deps.logger.warn('could not mail a password reset', { userId: user.id, error: error.message }));
  return true;
}

const unusable = () => new AppError('NOT_FOUND', 'This password reset link is not valid: used already, expired or mistyped. Ask for a new one (requestPasswordReset)');

/**
 * Sets the new password from a reset link and ends every session of the person, in every workspace: whoever knew
 * the old password is signed out. Counted per address before the token is looked at (guessing costs the limit).
 * A weak password leaves the link usable, so the person can try another.
 */
export async function resetPassword(deps: ServiceDeps, token: string, password: string, clientIp: string): Promise<boolean> {
  await spend(deps.throttles.passwordResetIp, clientIp, 'password reset attempts from this address');
  refuseOversizedPassword(password, ['password']);
  const tokenHash = hashResetToken(token);
  const pending = token.length <= 100 ? await findUsablePasswordReset(deps.pool, tokenHash) : null;
  const user = pending ? await findUserById(deps.pool, pending.userId) : null;
  if (!user) throw unusable();
  refuseWeakPassword(deps, password, user.email, ['password']);
  const passwordHash = await hashPassword(password);
  await transaction(deps.pool, async (client) => {
    // Taken here, guarded: of two requests with one link, only one sets a password.
    const taken = await takePasswordReset(client, tokenHash);
    if (!taken) throw unusable();
    await updatePasswordHash(client, taken.userId, passwordHash);
    await revokeUserSessions(client, taken.userId, null);
  });
  // Failed logins counted before the reset no longer say anything about the new password.
  await deps.throttles.loginAccount.reset(user.email);
  return true;
}
