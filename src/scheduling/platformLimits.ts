// What each network allows, as data: the one table scheduling defaults and ceilings come from.
// Sources: ../shared/PLATFORMS.md (the platforms' own documentation; "unverified" there stays a guess here).

export interface PlatformLimits {
  /** Default minimum time between two publications on one channel. */
  minIntervalMinutes: number;
  /** Most publications per calendar day in the channel's zone (null: no such limit). */
  dailyCap: number | null;
  /** Most publications in any rolling 24 hours. */
  rolling24hCap: number | null;
  /** Shorter rolling windows the network enforces (Telegram's 20 per minute in a group, X's 100 per 15 minutes). */
  shortCaps: { windowMinutes: number; max: number }[];
}

export const PLATFORM_LIMITS: Record<string, PlatformLimits> = {
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

const NO_LIMITS: PlatformLimits = { minIntervalMinutes: 0, dailyCap: null, rolling24hCap: null, shortCaps: [] };

export const limitsFor = (platform: string): PlatformLimits => PLATFORM_LIMITS[platform] ?? NO_LIMITS;
