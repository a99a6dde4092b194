// What each network allows in publishing volume, beside what it accepts in a post (contentRules.ts): the caps and
// the default spacing the scheduling core is given for a channel. Sources: ../shared/PLATFORMS.md (the platforms' own
// documentation; "unverified" there stays a guess here).
import { NO_LIMITS, type PlatformLimits } from '../scheduling/policy.js';
import type { PlatformName } from './types.js';

export const NETWORK_LIMITS: Record<PlatformName, PlatformLimits> = {
  MASTODON: { minIntervalMinutes: 15, dailyCap: null, rolling24hCap: null, shortCaps: [{ windowMinutes: 5, max: 300 }] },
  TELEGRAM: { minIntervalMinutes: 15, dailyCap: null, rolling24hCap: null, shortCaps: [{ windowMinutes: 1, max: 20 }] },
  WEBHOOK: { minIntervalMinutes: 0, dailyCap: null, rolling24hCap: null, shortCaps: [] },
  X: { minIntervalMinutes: 15, dailyCap: null, rolling24hCap: null, shortCaps: [{ windowMinutes: 15, max: 100 }] },
  LINKEDIN: { minIntervalMinutes: 30, dailyCap: 150, rolling24hCap: null, shortCaps: [] },
  INSTAGRAM: { minIntervalMinutes: 30, dailyCap: null, rolling24hCap: 50, shortCaps: [] },
  FACEBOOK: { minIntervalMinutes: 30, dailyCap: null, rolling24hCap: null, shortCaps: [] },
  THREADS: { minIntervalMinutes: 15, dailyCap: null, rolling24hCap: 250, shortCaps: [] },
  BLUESKY: { minIntervalMinutes: 15, dailyCap: null, rolling24hCap: 11_666, shortCaps: [{ windowMinutes: 60, max: 1_666 }] },
  DISCORD: { minIntervalMinutes: 5, dailyCap: null, rolling24hCap: null, shortCaps: [] },
  PINTEREST: { minIntervalMinutes: 30, dailyCap: null, rolling24hCap: null, shortCaps: [] },
  VK: { minIntervalMinutes: 30, dailyCap: 50, rolling24hCap: null, shortCaps: [] },
};

/** A network's limits; an unknown name has none. */
export const limitsFor = (platform: string): PlatformLimits => NETWORK_LIMITS[platform as PlatformName] ?? NO_LIMITS;
