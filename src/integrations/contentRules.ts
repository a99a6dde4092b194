// What each network accepts in a post, as data: the one table every provider's checkContent reads, so a limit is
// changed in one place and validatePost, createPost and the publish path all agree. Sources are
// ../shared/PLATFORMS.md and the platforms' documentation; where a network does not say how it counts, UTF-16
// units are counted, which is never fewer than what it counts (so nothing accepted here is refused there).
import { codePointLength, graphemeLength, mastodonLength, threadsLength, utf16Length, utf8Length, xWeightedLength, countUrls } from './textLength.js';
import type { ChannelSettings, ContentVerdict, ContentViolation, PlatformName, PostContent } from './types.js';

export type Counting = 'X_WEIGHTED' | 'GRAPHEMES' | 'UTF16' | 'CODE_POINTS' | 'MASTODON' | 'THREADS';

export interface ContentRules {
  /** Shown in messages: "X", "Bluesky"... */
  label: string;
  counting: Counting;
  maxLength: number;
  /** With media attached the text becomes a caption with its own limit (Telegram). */
  maxCaptionLength?: number;
  /** A limit in UTF-8 bytes on top of the character limit (Bluesky). */
  maxBytes?: number;
  maxMedia: number;
  /** The network cannot publish a post without an image (Instagram, Pinterest). */
  requiresMedia?: boolean;
  maxHashtags?: number;
  maxMentions?: number;
  maxLinks?: number;
  /** A line holding only "---" splits the text into a thread of posts, each counted on its own (X). */
  threadSeparator?: boolean;
  maxThreadParts?: number;
}

const COUNTING_NAMES: Record<Counting, string> = {
  X_WEIGHTED: 'as X counts them (links 23, CJK and emoji 2)',
  GRAPHEMES: 'characters',
  UTF16: 'UTF-16 units',
  CODE_POINTS: 'characters',
  MASTODON: 'characters as Mastodon counts them (links 23)',
  THREADS: 'characters as Threads counts them (emoji by their UTF-8 bytes)',
};

export const CONTENT_RULES: Record<PlatformName, ContentRules> = {
  X: { label: 'X', counting: 'X_WEIGHTED', maxLength: 280, maxMedia: 4, threadSeparator: true, maxThreadParts: 25 },
  LINKEDIN: { label: 'LinkedIn', counting: 'UTF16', maxLength: 3_000, maxMedia: 9 },
  INSTAGRAM: { label: 'Instagram', counting: 'UTF16', maxLength: 2_200, maxMedia: 10, requiresMedia: true, maxHashtags: 30, maxMentions: 20 },
  FACEBOOK: { label: 'Facebook', counting: 'UTF16', maxLength: 63_206, maxMedia: 10 },
  THREADS: { label: 'Threads', counting: 'THREADS', maxLength: 500, maxMedia: 20, maxLinks: 5 },
  BLUESKY: { label: 'Bluesky', counting: 'GRAPHEMES', maxLength: 300, maxBytes: 3_000, maxMedia: 4 },
  MASTODON: { label: 'Mastodon', counting: 'MASTODON', maxLength: 500, maxMedia: 4 },
  TELEGRAM: { label: 'Telegram', counting: 'UTF16', maxLength: 4_096, maxCaptionLength: 1_024, maxMedia: 10 },
  DISCORD: { label: 'Discord', counting: 'UTF16', maxLength: 2_000, maxMedia: 10 },
  PINTEREST: { label: 'Pinterest', counting: 'UTF16', maxLength: 500, maxMedia: 5, requiresMedia: true },
  // VK does not document a limit; 16,384 is what its web editor stops at (unverified).
  VK: { label: 'VK', counting: 'UTF16', maxLength: 16_384, maxMedia: 10 },
  WEBHOOK: { label: 'Webhook', counting: 'UTF16', maxLength: 63_206, maxMedia: 20 },
};

export const THREAD_SEPARATOR = /\r?\n---\r?\n/;

/** The parts of a thread (one part when the network has no threads or the text no separator). */
export function threadParts(text: string): string[] {
  return text.split(THREAD_SEPARATOR).map((part) => part.trim());
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * The rules for one channel: the table's, with what the channel's server told us on connect (a Mastodon instance's
 * maxCharacters and maxMediaAttachments).
 */
export function rulesFor(platform: PlatformName, settings: ChannelSettings = {}): ContentRules {
  const base = CONTENT_RULES[platform];
  return {
    ...base,
    maxLength: positiveInt(settings.maxCharacters) ?? base.maxLength,
    maxMedia: positiveInt(settings.maxMediaAttachments) ?? base.maxMedia,
  };
}

export function countText(text: string, counting: Counting): number {
  switch (counting) {
    case 'X_WEIGHTED':
      return xWeightedLength(text);
    case 'GRAPHEMES':
      return graphemeLength(text);
    case 'UTF16':
      return utf16Length(text);
    case 'CODE_POINTS':
      return codePointLength(text);
    case 'MASTODON':
      return mastodonLength(text);
    case 'THREADS':
      return threadsLength(text);
  }
}

const HASHTAG = /(^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu;
const MENTION = /(^|[^\p{L}\p{N}_.@])@[\p{L}\p{N}_.]+/gu;

/** Judges a post against a channel's rules: the verdict validatePost shows and createPost enforces. */
export function checkContentRules(platform: PlatformName, content: PostContent, settings: ChannelSettings = {}): ContentVerdict {
  const rules = rulesFor(platform, settings);
  const violations: ContentViolation[] = [];
  const hasMedia = content.mediaUrls.length > 0;
  const unit = COUNTING_NAMES[rules.counting];
  const parts = rules.threadSeparator ? threadParts(content.text) : [content.text];
  const limit = hasMedia && rules.maxCaptionLength !== undefined ? rules.maxCaptionLength : rules.maxLength;
  const lengths = parts.map((part) => countText(part, rules.counting));
  const counted = Math.max(...lengths);

  if (content.text.trim() === '' && !hasMedia) {
    violations.push({ field: 'content', rule: 'required', message: `A ${rules.label} post needs text or media` });
  }
  if (rules.requiresMedia && !hasMedia) {
    violations.push({ field: 'mediaUrls', rule: 'mediaRequired', message: `${rules.label} only publishes posts with an image: attach at least one` });
  }
  if (parts.length > 1) {
    if (rules.maxThreadParts !== undefined && parts.length > rules.maxThreadParts) {
      violations.push({
        field: 'content',
        rule: 'maxThreadParts',
        message: `The thread has ${parts.length} posts; PostFlow publishes at most ${rules.maxThreadParts} on ${rules.label}`,
      });
    }
    parts.forEach((part, i) => {
      if (part === '') violations.push({ field: 'content', rule: 'required', message: `Post ${i + 1} of the thread is empty` });
      if (lengths[i]! > limit) {
        violations.push({ field: 'content', rule: 'maxLength', message: `Post ${i + 1} of the thread is ${lengths[i]} ${unit}; ${rules.label} allows ${limit}` });
      }
    });
  } else if (counted > limit) {
    const caption = limit === rules.maxCaptionLength;
    violations.push({
      field: 'content',
      rule: caption ? 'maxCaptionLength' : 'maxLength',
      message: caption ? `With media the text is a caption: ${counted} ${unit}, ${rules.label} allows ${limit}` : `The text is ${counted} ${unit}; ${rules.label} allows ${limit}`,
    });
  }
  if (rules.maxBytes !== undefined) {
    const bytes = utf8Length(content.text);
    if (bytes > rules.maxBytes) {
      violations.push({ field: 'content', rule: 'maxBytes', message: `The text is ${bytes} bytes in UTF-8; ${rules.label} allows ${rules.maxBytes}` });
    }
  }
  if (content.mediaUrls.length > rules.maxMedia) {
    violations.push({ field: 'mediaUrls', rule: 'maxMedia', message: `${content.mediaUrls.length} media attached; ${rules.label} allows at most ${rules.maxMedia}` });
  }
  const limitCount = (pattern: RegExp, max: number | undefined, rule: string, what: string) => {
    if (max === undefined) return;
    const found = [...content.text.matchAll(pattern)].length;
    if (found > max) violations.push({ field: 'content', rule, message: `${found} ${what}; ${rules.label} allows at most ${max}` });
  };
  limitCount(HASHTAG, rules.maxHashtags, 'maxHashtags', 'hashtags');
  limitCount(MENTION, rules.maxMentions, 'maxMentions', '@mentions');
  if (rules.maxLinks !== undefined) {
    const links = countUrls(content.text);
    if (links > rules.maxLinks) violations.push({ field: 'content', rule: 'maxLinks', message: `${links} links; ${rules.label} allows at most ${rules.maxLinks}` });
  }
  return { counted, limit, violations };
}
