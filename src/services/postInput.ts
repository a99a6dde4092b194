// What a post must be before anything is saved: its fields, its targets, its timing, and its content under every
// target network's rules. Used by createPost (paths under "input") and bulkCreatePosts (paths under "posts", i).
import type { Channel } from '../generated/prisma/client.js';
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import { checkContentForChannels, MAX_MEDIA_URLS, MAX_POST_LENGTH, type ContentOverride } from './content.js';
import { Issues, isHttpUrl } from './validation.js';

export interface CreatePostInput {
  content: string;
  mediaUrls?: string[] | null;
  channelIds: string[];
  scheduledAt?: Date | null;
  publishNow?: boolean | null;
  draft?: boolean | null;
  /** Leave the time to the smart scheduler: the deliveries wait as PENDING for an evenly spread free slot. */
  autoSchedule?: boolean | null;
  /** For scheduledAt: SHIFT (default) moves it to the nearest allowed instant, EXACT refuses it if a rule forbids it. */
  schedulingMode?: 'SHIFT' | 'EXACT' | null;
  idempotencyKey?: string | null;
  priority?: number | null;
  contentOverrides?: { channelId: string; content: string }[] | null;
  /** Where the post comes from (MANUAL by default; the catalog plugins send PRODUCT / ARTICLE); sources take turns in the smart scheduler. */
  source?: 'MANUAL' | 'PRODUCT' | 'ARTICLE' | 'IMPORT' | null;
  sourceId?: string | null;
}

/** How far in the past a requested time may be (clock skew, slow clients) before it is refused. */
const PAST_TOLERANCE_MS = 60_000;

export type Timing = { status: DeliveryStatus; scheduledAt: Date | null; mode: 'SHIFT' | 'EXACT' | 'IMMEDIATE' | 'AUTO' };

export interface ValidPost {
  /** The target channels, in the order given. */
  channels: Channel[];
  overrides: Map<string, ContentOverride>;
  timing: Timing;
  mediaUrls: string[];
}

/** Adds every problem with one post to `issues`; `known` holds the workspace's live channels by id. */
export function validatePostInput(providers: ProviderRegistry, issues: Issues, base: (string | number)[], input: CreatePostInput, known: Map<string, Channel>): ValidPost {
  const before = issues.list.length;
  const mediaUrls = input.mediaUrls ?? [];
  checkPostFields(issues, base, input.content, mediaUrls, input.priority);
  issues.check((input.idempotencyKey?.length ?? 0) <= 200, [...base, 'idempotencyKey'], 'maxLength', 'idempotencyKey must be at most 200 characters');
  issues.check((input.sourceId?.length ?? 0) <= 200, [...base, 'sourceId'], 'maxLength', 'sourceId must be at most 200 characters');
  const channelIds = input.channelIds ?? [];
  issues.check(channelIds.length > 0, [...base, 'channelIds'], 'required', 'choose at least one channel');
  issues.check(new Set(channelIds).size === channelIds.length, [...base, 'channelIds'], 'unique', 'a channel is listed twice');
  channelIds.forEach((id, i) => issues.check(known.has(id), [...base, 'channelIds', i], 'exists', `channel ${id} does not exist in this workspace`));
  const channels = channelIds.filter((id) => known.has(id)).map((id) => known.get(id)!);
  const overrides = new Map<string, ContentOverride>();
  (input.contentOverrides ?? []).forEach((o, i) => {
    if (issues.check(channelIds.includes(o.channelId), [...base, 'contentOverrides', i, 'channelId'], 'targeted', 'an override must name one of channelIds')) {
      // Issue paths name input fields, like every other issue: the entry's index, not the channel id.
      overrides.set(o.channelId, { text: o.content, path: [...base, 'contentOverrides', i, 'content'] });
    }
  });
  const timing = resolveTiming(issues, base, input);
  if (issues.list.length === before) checkContentForChannels(providers, issues, base, channels, input.content, mediaUrls, overrides);
  return { channels, overrides, timing, mediaUrls };
}

export function resolveTiming(issues: Issues, base: (string | number)[], input: CreatePostInput): Timing {
  const requested = input.schedulingMode ?? 'SHIFT';
  const modes = [input.scheduledAt != null && !input.draft, !!input.publishNow, !!input.draft, !!input.autoSchedule].filter(Boolean).length;
  if (modes !== 1) {
    issues.add(base, 'timing', 'give exactly one of scheduledAt, publishNow: true, autoSchedule: true or draft: true (a draft may also carry a scheduledAt)');
    return { status: 'DRAFT', scheduledAt: null, mode: requested };
  }
  if (input.draft) return { status: 'DRAFT', scheduledAt: input.scheduledAt ?? null, mode: requested };
  if (input.publishNow) return { status: 'SCHEDULED', scheduledAt: new Date(), mode: 'IMMEDIATE' };
  if (input.autoSchedule) return { status: 'PENDING', scheduledAt: null, mode: 'AUTO' };
  checkNotInPast(issues, [...base, 'scheduledAt'], input.scheduledAt!);
  return { status: 'SCHEDULED', scheduledAt: input.scheduledAt!, mode: requested };
}

export function checkNotInPast(issues: Issues, path: (string | number)[], at: Date): void {
  issues.check(at.getTime() >= Date.now() - PAST_TOLERANCE_MS, path, 'notInPast', `${at.toISOString()} is in the past: use publishNow to publish at once`);
}

export function checkPostFields(issues: Issues, base: (string | number)[], content: string, mediaUrls: string[], priority: number | null | undefined): void {
  issues.check(content.length <= MAX_POST_LENGTH, [...base, 'content'], 'maxLength', `content must be at most ${MAX_POST_LENGTH} characters`);
  issues.check(content.trim().length > 0 || mediaUrls.length > 0, [...base, 'content'], 'required', 'content is empty and there is no media');
  issues.check(mediaUrls.length <= MAX_MEDIA_URLS, [...base, 'mediaUrls'], 'maxItems', `at most ${MAX_MEDIA_URLS} media URLs`);
  mediaUrls.forEach((u, i) => issues.check(isHttpUrl(u), [...base, 'mediaUrls', i], 'url', `"${u}" is not an http(s) URL`));
  if (priority != null) issues.check(Number.isInteger(priority) && priority >= 0 && priority <= 100, [...base, 'priority'], 'range', 'priority must be an integer from 0 to 100');
}
