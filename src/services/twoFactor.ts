// Optional two-factor sign-in: a TOTP secret (sealed at rest like channel credentials) and ten one-time recovery
// codes (stored as hashes). API keys are not affected: they are credentials of their own, revocable in one call.
import { disableTotp, enableTotp, findUserById, setPendingTotpSecret, takeTotpStep, type LoginUser } from '../store/accounts.js';
import { conflict, unauthenticated, ValidationError } from '../domain/errors.js';
import { verifyPassword } from '../security/passwords.js';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpStep, totpUri } from '../security/totp.js';
import { spend } from './throttles.js';
import { passSecondFactor, sessionOf } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import type { Auth } from '../domain/auth.js';

/** A new secret for the authenticator app; two-factor is not on until enableTwoFactorFinish proves the app has it. */
export async function enableTwoFactorStart(deps: ServiceDeps, auth: Auth): Promise<{ secret: string; otpauthUri: string }> {
  sessionOf(auth, 'enableTwoFactorStart');
  const user = await signedInUser(deps, auth);
  if (user.totpEnabled) throw conflict('Two-factor sign-in is already on: disableTwoFactor first to set up a new authenticator');
  const secret = newTotpSecret();
  await setPendingTotpSecret(deps.pool, user.id, deps.secrets.seal(secret));
  return { secret, otpauthUri: totpUri(user.email, secret) };
}

/** Turns two-factor on with a code from the app, and returns the recovery codes: shown this once. */
export async function enableTwoFactorFinish(deps: ServiceDeps, auth: Auth, code: string): Promise<{ recoveryCodes: string[] }> {
  sessionOf(auth, 'enableTwoFactorFinish');
  const user = await signedInUser(deps, auth);
  if (user.totpEnabled) throw conflict('Two-factor sign-in is already on');
  if (!user.totpSecretSealed) throw conflict('Call enableTwoFactorStart first, then add the secret to an authenticator app');
  // Counted before it is checked, given back when right (see spend): codes sent at once cannot all be checked.
  await spend(deps.throttles.loginAccount, user.email, 'two-factor attempts for this account');
  const step = await totpStep(deps.secrets.open(user.totpSecretSealed), code.trim());
  if (step === null || !(await takeTotpStep(deps.pool, user.id, step))) {
    throw ValidationError.single(['code'], 'incorrect', 'code is not the current code of the authenticator app (6 digits)');
  }
  await deps.throttles.loginAccount.giveBack(user.email);
  const recoveryCodes = newRecoveryCodes();
  if (!(await enableTotp(deps.pool, user.id, recoveryCodes.map(hashRecoveryCode)))) throw conflict('Two-factor sign-in is already on');
  return { recoveryCodes };
}

/** Turns two-factor off, proven with the password or a second-factor code (either may be what the person still has). */
export async function disableTwoFactor(deps: ServiceDeps, auth: Auth, proof: { password?: string | null; code?: string | null }): Promise<boolean> {
  sessionOf(auth, 'disableTwoFactor');
  if (!proof.password === !proof.code) throw ValidationError.single(['password'], 'exactlyOne', 'send exactly one of password or code');
  const user = await signedInUser(deps, auth);
  if (!user.totpEnabled) return false;
  await spend(deps.throttles.loginAccount, user.email, 'two-factor attempts for this account');
  const proven = proof.password
    ? Buffer.byteLength(proof.password) <= 256 && (await verifyPassword(proof.password, user.passwordHash))
    : await passSecondFactor(deps, user, proof.code!);
  if (!proven) {
    throw ValidationError.single(
      [proof.password ? 'password' : 'code'],
      'incorrect',
      proof.password ? 'password is not the current password' : 'code is wrong or was used already',
    );
  }
  await deps.throttles.loginAccount.giveBack(user.email);
  await disableTotp(deps.pool, user.id);
  return true;
}

async function signedInUser(deps: ServiceDeps, auth: Auth): Promise<LoginUser> {
  const user = await findUserById(deps.pool, auth.userId);
  if (!user) throw unauthenticated();
  return user;
}
