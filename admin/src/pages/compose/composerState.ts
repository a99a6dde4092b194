// What the composer holds, and the API inputs it makes of it. createPost, validatePost and previewSchedule each get
// what they would get from an API client, so the page shows exactly what the API will do with the post.
import { DateTime } from 'luxon';

export type Timing = 'at' | 'queue' | 'now' | 'draft';
export type RequestMode = 'SHIFT' | 'EXACT';

export interface MediaRow {
  /** Stable across removals, so each row keeps its input and its thumbnail. */
  key: number;
  url: string;
}

export interface ComposerValues {
  channelIds: string[];
  content: string;
  /** channel id -> that channel's own text; only the channels whose override is switched on. */
  overrides: Record<string, string>;
  media: MediaRow[];
  timing: Timing;
  /** The wall-clock time of "at a time", as a datetime-local input writes it (yyyy-MM-ddTHH:mm), read in `zone`. */
  localTime: string;
  zone: string;
  mode: RequestMode;
}

export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The next whole hour, in the zone: a time that is in the future and needs no editing to try. */
export function nextHourIn(zone: string): string {
  return DateTime.now().setZone(zone).plus({ hours: 1 }).startOf('hour').toFormat("yyyy-MM-dd'T'HH:mm");
}

export function emptyValues(channelIds: string[] = []): ComposerValues {
  const zone = viewerZone();
  return { channelIds, content: '', overrides: {}, media: [{ key: 0, url: '' }], timing: 'at', localTime: nextHourIn(zone), zone, mode: 'SHIFT' };
}

/** The instant a wall-clock time in a zone stands for (ISO, UTC), or null when it is not a time. */
export function instantOf(localTime: string, zone: string): string | null {
  if (!localTime) return null;
  const at = DateTime.fromISO(localTime, { zone });
  return at.isValid ? at.toUTC().toISO() : null;
}

/** The media URLs sent, with the form row each came from (an issue under mediaUrls.N names the N-th sent). */
export function sentMedia(values: Pick<ComposerValues, 'media'>): { urls: string[]; rowKeys: number[] } {
  const rows = values.media.map((row) => ({ key: row.key, url: row.url.trim() })).filter((row) => row.url);
  return { urls: rows.map((row) => row.url), rowKeys: rows.map((row) => row.key) };
}

/** The overrides sent, in channel order (an issue under contentOverrides.N names the N-th sent). */
export function sentOverrides(values: Pick<ComposerValues, 'channelIds' | 'overrides'>): { channelId: string; content: string }[] {
  return values.channelIds.filter((id) => id in values.overrides).map((channelId) => ({ channelId, content: values.overrides[channelId]! }));
}

export function validateVariables(values: ComposerValues) {
  return { channelIds: values.channelIds, content: values.content, contentOverrides: sentOverrides(values), mediaUrls: sentMedia(values).urls };
}

/** previewSchedule's one post, or null for the timings it has nothing to say about (now, draft). */
export function previewPost(values: ComposerValues): { channelIds: string[]; scheduledAt?: string; schedulingMode?: RequestMode } | null {
  if (!values.channelIds.length) return null;
  if (values.timing === 'queue') return { channelIds: values.channelIds };
  if (values.timing !== 'at') return null;
  const scheduledAt = instantOf(values.localTime, values.zone);
  return scheduledAt ? { channelIds: values.channelIds, scheduledAt, schedulingMode: values.mode } : null;
}

export function createPostInput(values: ComposerValues): Record<string, unknown> {
  const timing =
    values.timing === 'at'
      ? { scheduledAt: instantOf(values.localTime, values.zone), schedulingMode: values.mode }
      : values.timing === 'queue'
        ? { autoSchedule: true }
        : values.timing === 'now'
          ? { publishNow: true }
          : { draft: true };
  const overrides = sentOverrides(values);
  return {
    channelIds: values.channelIds,
    content: values.content,
    mediaUrls: sentMedia(values).urls,
    ...(overrides.length && { contentOverrides: overrides }),
    ...timing,
  };
}

/** Where the composer shows each field error of a refused createPost. */
export interface FieldErrors {
  content?: string;
  channels?: string;
  media?: string;
  /** media row key -> message */
  mediaRows: Record<number, string>;
  /** channel id -> message about its override */
  overrides: Record<string, string>;
  scheduledAt?: string;
  /** Issues no input stands for (the timing as a whole, a plan limit): shown as a notification. */
  unplaced: string[];
}

export const NO_FIELD_ERRORS: FieldErrors = { mediaRows: {}, overrides: {}, unplaced: [] };

/** graphql.ts's field -> message map (paths below "input"), placed on the composer's inputs. */
export function placeFieldErrors(errors: Record<string, unknown>, values: ComposerValues): FieldErrors {
  const placed: FieldErrors = { mediaRows: {}, overrides: {}, unplaced: [] };
  const { rowKeys } = sentMedia(values);
  const overrides = sentOverrides(values);
  for (const [field, message] of Object.entries(errors)) {
    if (typeof message !== 'string') {
      if (field === 'root' && message && typeof (message as { serverError?: unknown }).serverError === 'string')
        placed.unplaced.push((message as { serverError: string }).serverError);
      continue;
    }
    const [head, index, ...rest] = field.split('.');
    const at = Number(index);
    if (head === 'content' && index === undefined) placed.content = message;
    else if (head === 'channelIds') placed.channels = message;
    else if (head === 'scheduledAt') placed.scheduledAt = message;
    else if (head === 'mediaUrls' && index !== undefined && rowKeys[at] !== undefined) placed.mediaRows[rowKeys[at]!] = message;
    else if (head === 'mediaUrls') placed.media = message;
    else if (head === 'contentOverrides' && overrides[at] && rest.length) placed.overrides[overrides[at]!.channelId] = message;
    else placed.unplaced.push(message);
  }
  return placed;
}
