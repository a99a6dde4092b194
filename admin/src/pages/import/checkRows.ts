// The checks a row gets in the browser before anything is sent: its channels named by name or id, its time (an
// instant with its offset, or a local time in the chosen zone), its media URLs and its draft flag. The texts are
// judged by the API's validatePost afterwards (checkContent.ts), for the rows that pass these.
import { DateTime } from 'luxon';
import type { ChannelRecord } from '../../dataProvider/channels';
import type { CsvRow } from './parseCsv';
import type { RowProblem } from './problems';

/** The API's own caps (createPost refuses more): checked here so the row is named before anything is sent. */
export const MAX_MEDIA_URLS = 20;
/** createPost accepts a time up to a minute late (clock skew); older ones are refused. */
const PAST_TOLERANCE_MS = 60_000;

export interface PlannedPost {
  line: number;
  content: string;
  channels: Pick<ChannelRecord, 'id' | 'name'>[];
  /** Null: added to the queue, or a draft without a time. */
  scheduledAt: string | null;
  mediaUrls: string[];
  draft: boolean;
}

const OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const LOCAL_FORMATS = ['yyyy-MM-dd HH:mm', 'yyyy-MM-dd HH:mm:ss', "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"];
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['', 'false', 'no', 'n', '0']);

export function checkRows(rows: CsvRow[], channels: ChannelRecord[], zone: string, now = Date.now()): { posts: PlannedPost[]; problems: RowProblem[] } {
  const byId = new Map(channels.map((channel) => [channel.id, channel]));
  const byName = new Map<string, ChannelRecord[]>();
  for (const channel of channels) byName.set(channel.name.trim().toLowerCase(), [...(byName.get(channel.name.trim().toLowerCase()) ?? []), channel]);
  const posts: PlannedPost[] = [];
  const problems: RowProblem[] = [];
  for (const { line, values } of rows) {
    const before = problems.length;
    const problem = (column: string, rule: string, args?: Record<string, unknown>) => problems.push({ line, column, rule, args });

    const mediaUrls = values.mediaUrls.split(/[\s|]+/).filter(Boolean);
    if (!values.content && !mediaUrls.length) problem('content', 'contentRequired');
    for (const url of mediaUrls) if (!isHttpUrl(url)) problem('mediaUrls', 'badUrl', { value: url });
    if (mediaUrls.length > MAX_MEDIA_URLS) problem('mediaUrls', 'tooManyMedia', { max: MAX_MEDIA_URLS });

    const refs = values.channels
      .split('|')
      .map((ref) => ref.trim())
      .filter(Boolean);
    if (!refs.length) problem('channels', 'channelsRequired');
    const targets: ChannelRecord[] = [];
    for (const ref of refs) {
      const named = byId.has(ref) ? [byId.get(ref)!] : (byName.get(ref.toLowerCase()) ?? []);
      if (!named.length) problem('channels', 'unknownChannel', { name: ref });
      else if (named.length > 1) problem('channels', 'ambiguousChannel', { name: ref });
      else if (targets.includes(named[0]!)) problem('channels', 'duplicateChannel', { name: ref });
      else targets.push(named[0]!);
    }

    const draft = values.draft.toLowerCase();
    if (!TRUE.has(draft) && !FALSE.has(draft)) problem('draft', 'badDraft', { value: values.draft });
    let scheduledAt: string | null = null;
    if (values.scheduledAt) {
      const time = readTime(values.scheduledAt, zone);
      if (time === 'invalid') problem('scheduledAt', 'badDate', { value: values.scheduledAt });
      else if (time === 'skipped') problem('scheduledAt', 'missingTime', { value: values.scheduledAt, zone });
      else if (time.toMillis() < now - PAST_TOLERANCE_MS && !TRUE.has(draft)) problem('scheduledAt', 'pastDate', { value: values.scheduledAt });
      else scheduledAt = time.toUTC().toISO();
    }
    if (problems.length === before) {
      posts.push({ line, content: values.content, channels: targets.map(({ id, name }) => ({ id, name })), scheduledAt, mediaUrls, draft: TRUE.has(draft) });
    }
  }
  return { posts, problems };
}

/** An instant with its own offset, or a wall-clock time in `zone`; 'skipped' when the clocks jump over it there. */
export function readTime(value: string, zone: string): DateTime | 'invalid' | 'skipped' {
  if (OFFSET.test(value)) {
    const instant = DateTime.fromISO(value.replace(' ', 'T'), { setZone: true });
    return instant.isValid ? instant : 'invalid';
  }
  for (const format of LOCAL_FORMATS) {
    const local = DateTime.fromFormat(value, format, { zone });
    if (!local.isValid) continue;
    // luxon moves a time in a DST gap forward: the wall clock it gives back then differs from the one written.
    const written = DateTime.fromFormat(value, format, { zone: 'UTC' });
    return local.toFormat(format) === written.toFormat(format) ? local : 'skipped';
  }
  return 'invalid';
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
