// Post templates in Liquid (liquidjs), the language Shopify store owners already write. Pure: no file system (the
// tags that read files are refused), no HTML escaping (posts are plain text), strict about fields and filters, and
// bounded in size, time and memory, because the template is a user's input run on the server.
import { Liquid, Tag, type TagToken, type TopLevelToken, type Template } from 'liquidjs';
import type { ItemKind } from '../domain/sourceItems.js';
import { FIELDS } from './fields.js';

export const MAX_TEMPLATE_LENGTH = 5_000;

export type TemplateRule = 'SYNTAX' | 'UNKNOWN_FIELD' | 'UNKNOWN_FILTER' | 'FORBIDDEN_TAG' | 'TOO_LONG';

export interface TemplateIssue {
  rule: TemplateRule;
  message: string;
  /** From 1, as an editor shows them. */
  line: number;
  column: number;
}

/** A template that passed checkTemplate still failed while rendering (a limit reached): the message says which. */
export class TemplateRenderError extends Error {}

// include / render / layout read other templates from disk: a user's template reads nothing.
const FILE_TAGS = ['include', 'render', 'layout'];

class RefusedTag extends Tag {
  constructor(token: TagToken, remaining: TopLevelToken[], liquid: Liquid) {
    super(token, remaining, liquid);
    throw new Error(`the ${token.name} tag is not available in post templates`);
  }
  *render(): Generator<unknown, void, unknown> {}
}

const engine = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  outputEscape: undefined,
  parseLimit: MAX_TEMPLATE_LENGTH * 2,
  renderLimit: 200, // milliseconds of rendering: a loop nested on purpose stops here
  memoryLimit: 1_000_000, // characters allocated by string filters and loops
  relativeReference: false,
});
for (const name of FILE_TAGS) engine.registerTag(name, RefusedTag);
engine.registerFilter('hashtags', hashtags);

/** Every problem of a template for items of `kind`, with its position; [] when it can be saved. */
export function checkTemplate(source: string, kind: ItemKind): TemplateIssue[] {
  if (source.length > MAX_TEMPLATE_LENGTH) {
    return [{ rule: 'TOO_LONG', message: `a template is at most ${MAX_TEMPLATE_LENGTH} characters (this one has ${source.length})`, line: 1, column: 1 }];
  }
  let template: Template[];
  try {
    template = parse(source);
  } catch (error) {
    return [parseIssue(error)];
  }
  const fields = FIELDS[kind];
  const issues: TemplateIssue[] = [];
  for (const [name, uses] of Object.entries(engine.analyzeSync(template).globals)) {
    if (Object.hasOwn(fields, name)) continue;
    for (const use of uses) {
      issues.push({
        rule: 'UNKNOWN_FIELD',
        message: `unknown field "${name}": a ${kind.toLowerCase()} template may use ${Object.keys(fields).join(', ')}`,
        line: use.location.row,
        column: use.location.col,
      });
    }
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The text a checked template makes from an item's values (templateData), tidied: no runs of spaces or blank lines. */
export function renderTemplate(source: string, data: Record<string, unknown>): string {
  let text: string;
  try {
    text = engine.renderSync(parse(source), data) as string;
  } catch (error) {
    throw new TemplateRenderError(`the template could not be rendered: ${(error as Error).message}`);
  }
  return tidy(text);
}

const parsed = new Map<string, Template[]>();

/** Parsed templates are kept (a catalog import renders one template thousands of times), a bounded number. */
function parse(source: string): Template[] {
  const hit = parsed.get(source);
  if (hit) return hit;
  const template = engine.parse(source);
  if (parsed.size >= 500) parsed.delete(parsed.keys().next().value!);
  parsed.set(source, template);
  return template;
}

function parseIssue(error: unknown): TemplateIssue {
  const message = error instanceof Error ? error.message : String(error);
  const position = (error as { token?: { getPosition?: () => number[] } }).token?.getPosition?.() ?? positionIn(message);
  const rule: TemplateRule = message.startsWith('undefined filter') ? 'UNKNOWN_FILTER' : message.includes('tag is not available') ? 'FORBIDDEN_TAG' : 'SYNTAX';
  return { rule, message: message.replace(/, line:\d+, col:\d+[\s\S]*$/, ''), line: position[0] ?? 1, column: position[1] ?? 1 };
}

function positionIn(message: string): number[] {
  const match = /line:(\d+), col:(\d+)/.exec(message);
  return match ? [Number(match[1]), Number(match[2])] : [1, 1];
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * `{{ tags | hashtags }}` -> "#SummerSale #Linen": each tag one hashtag (words joined, each capitalised, anything but
 * letters, digits and _ dropped), duplicates once; `{{ tags | hashtags: 3 }}` keeps the first three.
 */
export function hashtags(value: unknown, max?: unknown): string {
  const tags = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const tag of tags) {
    if (typeof tag !== 'string') continue;
    const words = tag.split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
    const word = words.length > 1 ? words.map((w) => w[0]!.toLocaleUpperCase() + w.slice(1)).join('') : (words[0] ?? '');
    if (!word || /^\d+$/.test(word) || seen.has(word.toLocaleLowerCase())) continue; // "#2024" is not a hashtag on most networks
    seen.add(word.toLocaleLowerCase());
    out.push(`#${word}`);
  }
  const limit = typeof max === 'number' && max >= 0 ? Math.floor(max) : out.length;
  return out.slice(0, limit).join(' ');
}
