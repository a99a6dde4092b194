// An item and a template -> the text of one post for one network: the item's link with UTM parameters, the template
// rendered, the other links to the item's site tagged too, and the whole fitted to what the network accepts. Also
// the link card for networks that build none from a URL in the text (Bluesky's external embed, LinkedIn's article).
import type { SourceItem } from '../domain/sourceItems.js';
import { renderTemplate } from './engine.js';
import { templateData } from './fields.js';
import { fitText, type Fitted } from './fit.js';
import { addUtmToLinks, withUtm, type UtmSettings } from './links.js';

export interface LinkCard {
  url: string;
  title: string;
  description: string;
  image: string | null;
}

export interface ComposeRequest {
  template: string;
  /** A person's own words for this post, used as written instead of the template; the item's link is added if absent. */
  text?: string;
  item: SourceItem;
  /** null: links as the store gives them. */
  utm: UtmSettings | null;
  /** Whether a text is accepted by the target network (its counting, length, bytes, hashtags). */
  fits: (text: string) => boolean;
}

export interface Composed extends Fitted {
  /** The item's link as it appears in the post (with UTM parameters), or null when the item has no page. */
  link: string | null;
  card: LinkCard | null;
}

const CARD_DESCRIPTION_LENGTH = 300;

export function composePost(request: ComposeRequest): Composed {
  const { item, utm } = request;
  const link = item.url && utm ? withUtm(item.url, utm) : item.url;
  let text = request.text === undefined ? renderTemplate(request.template, templateData(item, link)) : ownWords(request.text, item.url, link);
  if (item.url && utm) text = addUtmToLinks(text, new URL(item.url).origin, utm);
  const fitted = fitText(text, request.fits, (url) => url === link);
  const card: LinkCard | null = link
    ? { url: link, title: item.title, description: shorten(item.excerpt || item.description, CARD_DESCRIPTION_LENGTH), image: item.images[0]?.url ?? null }
    : null;
  return { ...fitted, link, card };
}

/** A person's text keeps its own link to the item, or gets the item's on a line of its own. */
function ownWords(text: string, url: string | null, link: string | null): string {
  const trimmed = text.trim();
  if (!url || !link || trimmed.includes(url) || trimmed.includes(link)) return trimmed;
  return `${trimmed}\n${link}`;
}

/** At most `max` characters, cut between words. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  return fitText(text, (t) => t.length <= max).text;
}
