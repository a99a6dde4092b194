// The app page's form <-> the source's rules. The page edits part of the rules (channels, events, timing, priority,
// approval, the default and per-network templates); everything else (templates per channel, UTM, evergreen) is kept
// as stored, since updateSource replaces the rules whole. The values go to updateSource as typed: its checks are the
// only ones, and each issue it finds is shown next to the field it names.
import type { ValidationIssue } from '../../../src/domain/errors.js';
import { RULE_EVENTS, type SourceRules } from '../../../src/domain/sourceRules.js';

/** The page's fields, by name in the form. */
export const FIELD = {
  channel: 'channel',
  event: 'event',
  timing: 'timing',
  delayMinutes: 'delayMinutes',
  priority: 'priority',
  approval: 'requiresApproval',
  item: 'item',
  defaultTemplate: 'template.default',
  networkTemplate: (network: string) => `template.${network}`,
} as const;

/** A whole number as a number; anything else as typed, for updateSource to refuse with its own words. */
const numberOrText = (value: string | null) => {
  const text = (value ?? '').trim();
  return /^-?\d{1,9}$/.test(text) ? Number(text) : text;
};

/** Browsers send a textarea's line breaks as CRLF; the post's text has plain ones. */
const templateText = (value: string) => value.replace(/\r\n?/g, '\n');

/** The rules the form asks for: `stored` with the page's fields replaced. */
export function rulesFromForm(stored: SourceRules, form: URLSearchParams): Record<string, unknown> {
  const byNetwork: Record<string, string> = { ...stored.templates.byNetwork };
  for (const [name, value] of form) {
    if (!name.startsWith('template.') || name === FIELD.defaultTemplate) continue;
    const network = name.slice('template.'.length);
    if (value.trim()) byNetwork[network] = templateText(value);
    else delete byNetwork[network];
  }
  const defaultTemplate = form.get(FIELD.defaultTemplate);
  const mode = form.get(FIELD.timing) ?? stored.timing.mode;
  // A field the form does not send keeps its stored value; one sent empty is what the owner typed.
  const delay = form.has(FIELD.delayMinutes) ? numberOrText(form.get(FIELD.delayMinutes)) : stored.timing.delayMinutes;
  return {
    ...stored,
    events: form.getAll(FIELD.event),
    channelIds: form.getAll(FIELD.channel),
    templates: {
      ...(defaultTemplate?.trim() ? { default: templateText(defaultTemplate) } : {}),
      byNetwork,
      byChannel: stored.templates.byChannel,
    },
    timing: mode === 'DELAY' ? { mode, delayMinutes: delay } : { mode },
    priority: form.has(FIELD.priority) ? numberOrText(form.get(FIELD.priority)) : stored.priority,
    requiresApproval: form.get(FIELD.approval) === 'on',
  };
}

/** The form field an issue of updateSource's belongs next to ('' for the page's top: no field of its own). */
export function fieldOf(issue: ValidationIssue): string {
  const path = issue.path.slice(issue.path[0] === 'input' && issue.path[1] === 'rules' ? 2 : 0).map(String);
  const [first, second, third] = path;
  if (first === 'templates' && second === 'default') return FIELD.defaultTemplate;
  if (first === 'templates' && second === 'byNetwork' && third) return FIELD.networkTemplate(third);
  if (first === 'timing') return second === 'delayMinutes' ? FIELD.delayMinutes : FIELD.timing;
  if (first === 'channelIds') return FIELD.channel;
  if (first === 'events') return FIELD.event;
  if (first === 'priority') return FIELD.priority;
  if (first === 'requiresApproval') return FIELD.approval;
  return '';
}

/** Issues by field, each message once. */
export function issuesByField(issues: readonly ValidationIssue[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const issue of issues) {
    const list = (grouped[fieldOf(issue)] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return grouped;
}

/** What the form shows: the stored rules, or the draft the owner sent back (its values as typed). */
export interface FormValues {
  channelIds: string[];
  events: string[];
  timing: string;
  delayMinutes: string;
  priority: string;
  requiresApproval: boolean;
  defaultTemplate: string;
  byNetwork: Record<string, string>;
  item: string | null;
}

export function valuesOfRules(rules: SourceRules): FormValues {
  return {
    channelIds: rules.channelIds,
    events: rules.events,
    timing: rules.timing.mode,
    delayMinutes: rules.timing.delayMinutes === undefined ? '' : String(rules.timing.delayMinutes),
    priority: String(rules.priority),
    requiresApproval: rules.requiresApproval,
    defaultTemplate: rules.templates.default ?? '',
    byNetwork: { ...rules.templates.byNetwork },
    item: null,
  };
}

export function valuesOfForm(stored: SourceRules, form: URLSearchParams): FormValues {
  const byNetwork: Record<string, string> = { ...stored.templates.byNetwork };
  for (const [name, value] of form) {
    if (name.startsWith('template.') && name !== FIELD.defaultTemplate) byNetwork[name.slice('template.'.length)] = templateText(value);
  }
  return {
    channelIds: form.getAll(FIELD.channel),
    events: form.getAll(FIELD.event).filter((e) => (RULE_EVENTS as readonly string[]).includes(e)),
    timing: form.get(FIELD.timing) ?? stored.timing.mode,
    delayMinutes: form.get(FIELD.delayMinutes) ?? (stored.timing.delayMinutes === undefined ? '' : String(stored.timing.delayMinutes)),
    priority: form.get(FIELD.priority) ?? String(stored.priority),
    requiresApproval: form.get(FIELD.approval) === 'on',
    defaultTemplate: templateText(form.get(FIELD.defaultTemplate) ?? ''),
    byNetwork,
    item: form.get(FIELD.item),
  };
}
