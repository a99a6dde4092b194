// A CSV file's text as rows of the import's columns, each with the line it starts on (a quoted field may span
// several lines, so a row's number is not its line): papaparse reads it row by row, and the cursor it reports after
// each row tells where the next one starts.
import Papa from 'papaparse';
import type { RowProblem } from './problems';

export const COLUMNS = ['content', 'channels', 'scheduledAt', 'mediaUrls', 'draft'] as const;
export type Column = (typeof COLUMNS)[number];
const REQUIRED: Column[] = ['content', 'channels'];

export interface CsvRow {
  line: number;
  values: Record<Column, string>;
}

export interface ParsedCsv {
  rows: CsvRow[];
  problems: RowProblem[];
}

/** "Scheduled at", "scheduled_at" and "scheduledAt" are the same column. */
const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const COLUMN_OF = new Map<string, Column>(COLUMNS.map((column) => [normalise(column), column]));

export function parseCsv(text: string): ParsedCsv {
  const rows: CsvRow[] = [];
  const problems: RowProblem[] = [];
  let header: (Column | null)[] | null = null;
  let start = 0;
  let counted = 0;
  let line = 1;
  const lineAt = (offset: number) => {
    for (; counted < offset; counted++) if (text.charCodeAt(counted) === 10) line++;
    return line;
  };
  Papa.parse<string[]>(text, {
    header: false,
    skipEmptyLines: 'greedy',
    step(result) {
      // The row starts after the blank lines papaparse skipped.
      while (start < text.length && (text[start] === '\n' || text[start] === '\r')) start++;
      const rowLine = lineAt(start);
      start = result.meta.cursor;
      for (const error of result.errors) problems.push({ line: rowLine, rule: 'malformed', args: { message: error.message } });
      const fields = result.data;
      if (!header) {
        header = readHeader(fields, problems);
        return;
      }
      if (fields.length !== header.length) problems.push({ line: rowLine, rule: 'fieldCount', args: { found: fields.length, expected: header.length } });
      const values = Object.fromEntries(COLUMNS.map((column) => [column, ''])) as Record<Column, string>;
      header.forEach((column, i) => {
        if (column) values[column] = (fields[i] ?? '').trim();
      });
      rows.push({ line: rowLine, values });
    },
  });
  if (!header) problems.push(...REQUIRED.map((column) => ({ line: 1, column, rule: 'missingColumn', args: { column } })));
  return { rows, problems };
}

function readHeader(fields: string[], problems: RowProblem[]): (Column | null)[] {
  const seen = new Set<Column>();
  const header = fields.map((name) => {
    const column = COLUMN_OF.get(normalise(name)) ?? null;
    // An unknown column would be dropped without a word: it is more likely a misspelt one.
    if (!column) problems.push({ line: 1, rule: 'unknownColumn', args: { column: name } });
    else if (seen.has(column)) problems.push({ line: 1, column, rule: 'duplicateColumn', args: { column } });
    if (column) seen.add(column);
    return column;
  });
  for (const column of REQUIRED) if (!seen.has(column)) problems.push({ line: 1, column, rule: 'missingColumn', args: { column } });
  return header;
}
