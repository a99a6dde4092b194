// The app page's HTML: the source's status, its rules as a form (channels, events, timing, priority, approval, a
// template per network of the chosen channels and a default), the preview against a recent item, the catalog import
// and the latest events. Every text from the store, the workspace or the owner goes through escapeHtml; the only
// script is PostFlow's own file (GET /shopify/app/app.js), so the page works, more slowly, without it.
import { RULE_EVENTS, TIMING_MODES } from '../../../src/domain/sourceRules.js';
import { escapeHtml } from './pages.js';
import type { AppHomeView, PostPreview } from './appHomeHost.js';
import { FIELD, type FormValues } from './appHomeForm.js';
import { PAGE_TOKEN_PARAM } from './appHomeToken.js';

export const APP_HOME_PATHS = {
  settings: '/shopify/app/settings',
  preview: '/shopify/app/preview',
  import: '/shopify/app/import',
  script: '/shopify/app/app.js',
} as const;

export interface AppHomePage {
  shop: string;
  token: string;
  view: AppHomeView;
  values: FormValues;
  /** Issues by field name ('' for those of no field). */
  issues: Record<string, string[]>;
  /** Null: nothing to preview (no item yet, or no channel chosen); say why in previewNote. */
  previews: PostPreview[] | null;
  previewItem: string | null;
  previewNote: string | null;
  notice: string | null;
}

const EVENT_WORDS: Record<(typeof RULE_EVENTS)[number], string> = {
  PUBLISHED: 'A product is published (active on the Online Store)',
  ON_SALE: 'A product goes on sale (a compare-at price above the price)',
  BACK_IN_STOCK: 'A product is back in stock',
};
const TIMING_WORDS: Record<(typeof TIMING_MODES)[number], string> = {
  SMART: 'Smart schedule: the next allowed slots of each channel',
  IMMEDIATE: 'At once',
  DELAY: 'After a delay',
};

const e = escapeHtml;
const checked = (on: boolean) => (on ? ' checked' : '');

function errorsOf(page: AppHomePage, field: string): string {
  const messages = page.issues[field] ?? [];
  return `<p class="error" data-error-for="${e(field)}">${messages.map(e).join('<br>')}</p>`;
}

/** The networks that get a template field: those of the chosen channels, and any that has a template already. */
export function templateNetworks(view: AppHomeView, values: FormValues): string[] {
  const chosen = view.channels.filter((c) => values.channelIds.includes(c.id)).map((c) => c.platform);
  const written = Object.entries(values.byNetwork)
    .filter(([, text]) => text.trim())
    .map(([network]) => network);
  return [...new Set([...chosen, ...written])];
}

function channelsField(page: AppHomePage): string {
  const { view, values } = page;
  if (!view.channels.length) return '<p>No channels in this workspace yet: connect one in PostFlow, then come back here.</p>';
  const boxes = view.channels.map((c) => {
    const state = [c.paused ? 'paused' : '', c.needsReconnect ? 'needs reconnecting' : ''].filter(Boolean).join(', ');
    return `<label><input type="checkbox" name="${FIELD.channel}" value="${e(c.id)}"${checked(values.channelIds.includes(c.id))}> ${e(c.name)} (${e(c.platform)})${state ? ` <em>${e(state)}</em>` : ''}</label>`;
  });
  return boxes.join('') + errorsOf(page, FIELD.channel);
}

function rulesFields(page: AppHomePage): string {
  const { values } = page;
  const events = RULE_EVENTS.map(
    (event) => `<label><input type="checkbox" name="${FIELD.event}" value="${event}"${checked(values.events.includes(event))}> ${e(EVENT_WORDS[event])}</label>`,
  ).join('');
  const timing = TIMING_MODES.map((mode) => `<option value="${mode}"${values.timing === mode ? ' selected' : ''}>${e(TIMING_WORDS[mode])}</option>`).join('');
  return (
    `<fieldset><legend>Post when</legend>${events}${errorsOf(page, FIELD.event)}</fieldset>` +
    `<fieldset><legend>Timing</legend><label>When <select name="${FIELD.timing}">${timing}</select></label>${errorsOf(page, FIELD.timing)}` +
    `<label>Delay in minutes (after a delay) <input type="number" name="${FIELD.delayMinutes}" min="1" value="${e(values.delayMinutes)}"></label>${errorsOf(page, FIELD.delayMinutes)}` +
    `<label>Priority, 0 to 100 (higher is placed first) <input type="number" name="${FIELD.priority}" min="0" max="100" value="${e(values.priority)}"></label>${errorsOf(page, FIELD.priority)}` +
    `<label><input type="checkbox" name="${FIELD.approval}"${checked(values.requiresApproval)}> Posts wait for an admin's approval in PostFlow</label>` +
    (page.view.source.rules.requiresApproval ? `<p>Once on, approval is turned off only in PostFlow, by a workspace admin.</p>` : '') +
    `${errorsOf(page, FIELD.approval)}</fieldset>`
  );
}

function templateField(page: AppHomePage, name: string, label: string, value: string): string {
  const id = `f-${name.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return `<label for="${id}">${e(label)}</label><textarea id="${id}" name="${e(name)}" rows="4">${e(value)}</textarea>${errorsOf(page, name)}`;
}

function templatesFields(page: AppHomePage): string {
  const networks = templateNetworks(page.view, page.values);
  return (
    `<fieldset><legend>Templates</legend><p>Liquid, e.g. <code>{{ title }} {{ price }} {{ url }} {{ tags | hashtags: 3 }}</code>. ` +
    `A network's own template wins over the default; an empty one falls back to it.</p>` +
    templateField(page, FIELD.defaultTemplate, 'Default', page.values.defaultTemplate) +
    networks.map((network) => templateField(page, FIELD.networkTemplate(network), network, page.values.byNetwork[network] ?? '')).join('') +
    `</fieldset>`
  );
}

/** How the text was fitted to its network, in words (the page and the script's JSON say the same). */
export function fitSentence(p: PostPreview): string {
  if (!p.fits) return `Does not fit ${p.platform} even with only its link: no post would be made.`;
  const cut = [p.droppedHashtags ? `${p.droppedHashtags} hashtags left out` : '', p.droppedWords ? `${p.droppedWords} words cut` : ''].filter(Boolean).join(', ');
  return cut ? `Fitted to ${p.platform}: ${cut}.` : `Fits ${p.platform} as written.`;
}

export function previewBlock(previews: PostPreview[] | null, note: string | null): string {
  const items = (previews ?? []).map((p) => `<div class="post"><h3>${e(p.channelName)} (${e(p.platform)})</h3><pre>${e(p.text)}</pre><p>${e(fitSentence(p))}</p></div>`);
  return `<div id="preview" aria-live="polite">${note ? `<p>${e(note)}</p>` : ''}${items.join('')}</div>`;
}

function previewFields(page: AppHomePage): string {
  const options = page.view.items.map(
    (item) =>
      `<option value="${e(item.externalId)}"${item.externalId === page.previewItem ? ' selected' : ''}>${e(item.title)}${item.published ? '' : ' (not published)'}</option>`,
  );
  const picker = options.length ? `<label>Preview with <select name="${FIELD.item}">${options.join('')}</select></label>` : '';
  return (
    `<fieldset><legend>Preview</legend>${picker}` +
    `<button type="submit" formaction="${APP_HOME_PATHS.preview}">Preview</button>${previewBlock(page.previews, page.previewNote)}</fieldset>`
  );
}

function importSection(page: AppHomePage): string {
  const last = page.view.lastImport;
  const progress = !last
    ? '<p>No import yet.</p>'
    : `<p>Last import, started ${e(last.startedAt.toISOString())}: <strong>${e(last.status.toLowerCase())}</strong>. ` +
      `${last.seen} products read${last.status === 'RUNNING' && !last.seen ? ` (Shopify is preparing the export: ${last.exportedObjects} objects so far)` : ''}, ` +
      `${last.processed} handled, ${last.postsCreated} posts made, ${last.skipped} skipped, ${last.errors} errors` +
      `${last.finishedAt ? `; finished ${e(last.finishedAt.toISOString())}` : ''}.${last.lastError ? ` Last error: ${e(last.lastError)}` : ''}</p>`;
  return (
    `<section><h2>Catalog import</h2><p>Posts every published product of the shop once, spread by the smart scheduler over the coming days.</p>${progress}` +
    `<form method="post" action="${APP_HOME_PATHS.import}"><input type="hidden" name="${PAGE_TOKEN_PARAM}" value="${e(page.token)}">` +
    `<button type="submit">Import the catalog</button></form></section>`
  );
}

function eventsSection(view: AppHomeView): string {
  if (!view.events.length) return '<section><h2>Recent events</h2><p>No event received yet.</p></section>';
  const rows = view.events.map(
    (ev) =>
      `<tr><td>${e(ev.receivedAt.toISOString())}</td><td>${e(ev.itemExternalId ?? '')}</td><td>${e(ev.change.toLowerCase())}</td>` +
      `<td class="outcome-${e(ev.outcome)}">${e(ev.outcome)}</td><td>${e(ev.reason)}</td></tr>`,
  );
  return (
    `<section><h2>Recent events</h2><table><thead><tr><th>Received</th><th>Product</th><th>Change</th><th>Outcome</th><th>Why</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></section>`
  );
}

const STYLE =
  'body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.3rem 0}' +
  'textarea{width:100%;font:13px/1.4 ui-monospace,monospace}fieldset{margin:1rem 0;border:1px solid #ccc}.error{color:#b00020;margin:0}' +
  '.notice{background:#eef6ee;padding:.5rem 1rem}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}table{border-collapse:collapse;width:100%}' +
  'td,th{border-bottom:1px solid #ddd;padding:.25rem;text-align:left;vertical-align:top;font-size:13px}.outcome-ERROR{color:#b00020}';

/** Said plainly: what the rules ask that the shop has not granted, and how to grant it. */
function missingScopesSection(view: AppHomePage['view']): string {
  if (!view.missingScopes.length) return '';
  const scopes = view.missingScopes.join(', ');
  return (
    `<p class="error" role="alert" id="missing-scopes">${e(`The shop has not granted PostFlow ${scopes}, which these rules need (back-in-stock posts read inventory levels).`)} ` +
    `${e('Open PostFlow again from Apps in your Shopify admin: Shopify then asks you to grant it.')}</p>`
  );
}

export function renderAppHome(page: AppHomePage): string {
  const { view, shop } = page;
  const title = `${view.source.name} on PostFlow`;
  const held = view.source.heldDeliveries ? ` Posts held: ${view.source.heldDeliveries}.` : '';
  const general = page.issues[''] ?? [];
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(title)}</title><style>${STYLE}</style><script src="${APP_HOME_PATHS.script}" defer></script></head><body>` +
    `<h1>${e(title)}</h1><p>${e(`${shop} is connected to PostFlow: ${view.source.status.toLowerCase()}.`)}${e(held)}</p>` +
    (page.notice ? `<p class="notice" role="status">${e(page.notice)}</p>` : '') +
    missingScopesSection(view) +
    (general.length ? `<div class="error" role="alert">${general.map((m) => `<p>${e(m)}</p>`).join('')}</div>` : '') +
    `<form id="settings" method="post" action="${APP_HOME_PATHS.settings}" data-preview-url="${APP_HOME_PATHS.preview}">` +
    `<input type="hidden" name="${PAGE_TOKEN_PARAM}" value="${e(page.token)}">` +
    `<fieldset><legend>Channels</legend>${channelsField(page)}</fieldset>${rulesFields(page)}${templatesFields(page)}${previewFields(page)}` +
    `<button type="submit">Save</button></form>${importSection(page)}${eventsSection(view)}</body></html>`
  );
}
