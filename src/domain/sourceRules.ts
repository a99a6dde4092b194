// A source's rules: which of its events make posts, where they go, in which words, when, and whether a person approves
// them first. Stored as JSON on the source (sources.rules) and read back through the same parser, so a stored value
// always has every field. The structure is checked here (zod); the templates (Liquid, with their line and column) and
// the channels (in the workspace) are checked by src/services/sources.ts, which knows the template engine and the data.
import { z } from 'zod';
import type { ItemKind } from './sourceItems.js';
import { ValidationError, type ValidationIssue } from './errors.js';
import { PLATFORM_NAMES, type PlatformName } from './platforms.js';

/** The events a rule can turn into posts: an item's first publication, a restock, a sale starting. */
export const RULE_EVENTS = ['PUBLISHED', 'BACK_IN_STOCK', 'ON_SALE'] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

/** SMART: the smart scheduler places the post in the channel's allowed slots; IMMEDIATE: at once; DELAY: n minutes later. */
export const TIMING_MODES = ['SMART', 'IMMEDIATE', 'DELAY'] as const;
export type TimingMode = (typeof TIMING_MODES)[number];

export const MAX_RULE_CHANNELS = 50;
export const MAX_DELAY_MINUTES = 7 * 24 * 60;

/** What a source posts when its rules name no template: the title, the price, the link, the first tags. */
export const DEFAULT_TEMPLATES: Readonly<Record<ItemKind, string>> = {
  PRODUCT: '{{ title }} {{ price }}\n{{ url }}\n{{ tags | hashtags: 5 }}',
  ARTICLE: '{{ title }}\n{{ excerpt }}\n{{ url }}\n{{ categories | hashtags: 3 }}',
};

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a channel id');
const template = z.string().min(1, 'a template cannot be empty');

const rulesSchema = z.strictObject({
  events: z
    .array(z.enum(RULE_EVENTS))
    .max(RULE_EVENTS.length)
    .refine((e) => new Set(e).size === e.length, 'an event is listed twice')
    .default(['PUBLISHED']),
  channelIds: z
    .array(uuid)
    .max(MAX_RULE_CHANNELS)
    .refine((ids) => new Set(ids).size === ids.length, 'a channel is listed twice')
    .default([]),
  templates: z
    .strictObject({
      /** For every channel that has neither of the others. */
      default: template.optional(),
      /** By network (MASTODON, X...). */
      byNetwork: z.partialRecord(z.enum(PLATFORM_NAMES), template).default({}),
      /** By channel id: wins over the network's. */
      byChannel: z.record(uuid, template).default({}),
    })
    .default({ byNetwork: {}, byChannel: {} }),
  timing: z
    .strictObject({
      mode: z.enum(TIMING_MODES).default('SMART'),
      delayMinutes: z.number().int().min(1).max(MAX_DELAY_MINUTES).optional(),
    })
    .refine((t) => t.mode !== 'DELAY' || t.delayMinutes !== undefined, { message: 'DELAY needs delayMinutes', path: ['delayMinutes'] })
    .default({ mode: 'SMART' }),
  /** The smart scheduler places higher first (0 to 100, like a post's). */
  priority: z.number().int().min(0).max(100).default(0),
  utm: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** utm_campaign; the source's name when absent. */
      campaign: z.string().min(1).max(100).optional(),
      medium: z.string().min(1).max(100).default('social'),
    })
    .default({ enabled: true, medium: 'social' }),
  /** Posts from this source wait for an ADMIN's approval (AWAITING_APPROVAL), whatever the workspace's setting. */
  requiresApproval: z.boolean().default(false),
  /** Re-sharing old items: the evergreen job (src/services/evergreen.ts), within each UTC day's maxPerDay. */
  evergreen: z
    .strictObject({
      enabled: z.boolean().default(false),
      everyDays: z.number().int().min(1).max(365).default(30),
      maxPerDay: z.number().int().min(1).max(50).default(1),
      excludedTags: z.array(z.string().min(1).max(100)).max(100).default([]),
    })
    .default({ enabled: false, everyDays: 30, maxPerDay: 1, excludedTags: [] }),
});

export type SourceRules = z.output<typeof rulesSchema>;
export type SourceRulesInput = z.input<typeof rulesSchema>;

/** The rules a source starts with: posts for new items only, to no channel until someone picks them. */
export const DEFAULT_RULES: SourceRules = rulesSchema.parse({});

/** Structural problems of `value` as issues under `base` (e.g. ["input", "rules"]); [] with the parsed rules when none. */
export function parseSourceRules(value: unknown, base: (string | number)[]): { rules: SourceRules | null; issues: ValidationIssue[] } {
  const parsed = rulesSchema.safeParse(value ?? {});
  if (parsed.success) return { rules: parsed.data, issues: [] };
  return {
    rules: null,
    issues: parsed.error.issues.map((i) => ({ path: [...base, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], rule: i.code, message: i.message })),
  };
}

/** Rules as stored (they were checked when saved): read through the parser so that every field has its value. */
export function storedSourceRules(value: unknown): SourceRules {
  const { rules, issues } = parseSourceRules(value, ['rules']);
  if (!rules) throw new ValidationError(issues);
  return rules;
}

/** The template a channel's post is written with: the channel's own, its network's, the rules' default, the kind's. */
export function templateFor(rules: SourceRules, channel: { id: string; platform: PlatformName }, kind: ItemKind): string {
  return rules.templates.byChannel[channel.id] ?? rules.templates.byNetwork[channel.platform] ?? rules.templates.default ?? DEFAULT_TEMPLATES[kind];
}
