// A chosen file read, parsed and checked: the header and every row here, then the texts by the API (validatePost).
// A react-query query, keyed by the file's pick and the time zone: choosing another zone checks the rows again.
import { useQuery } from '@tanstack/react-query';
import type { ChannelRecord } from '../../dataProvider/channels';
import { checkContent } from './checkContent';
import { checkRows, type PlannedPost } from './checkRows';
import { parseCsv, type CsvRow } from './parseCsv';
import { byLine, type RowProblem } from './problems';
import { fileHash } from './sendImport';

export const PREVIEW_ROWS = 10;

export interface PickedFile {
  /** A new number for every pick, so the same file picked again is checked again. */
  pick: number;
  file: File;
}

export interface CheckedFile {
  name: string;
  hash: string;
  rowCount: number;
  /** Every row's post when no row has a problem, in file order. */
  posts: PlannedPost[];
  preview: { row: CsvRow; post?: PlannedPost }[];
  problems: RowProblem[];
}

export interface TextsChecked {
  checked: number;
  total: number;
}

export function useImportCheck(picked: PickedFile | null, zone: string, channels: ChannelRecord[] | undefined, onTexts: (progress: TextsChecked) => void) {
  return useQuery({
    queryKey: ['postflow', 'importCheck', picked?.pick, zone],
    enabled: !!picked && !!channels,
    queryFn: () => checkFile(picked!.file, zone, channels!, onTexts),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
}

async function checkFile(file: File, zone: string, channels: ChannelRecord[], onTexts: (progress: TextsChecked) => void): Promise<CheckedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const parsed = parseCsv(new TextDecoder().decode(bytes));
  const local = checkRows(parsed.rows, channels, zone);
  onTexts({ checked: 0, total: local.posts.length });
  const contentProblems = await checkContent(local.posts, (checked) => onTexts({ checked, total: local.posts.length }));
  const problems = [...parsed.problems, ...local.problems, ...contentProblems].sort(byLine);
  const postOf = new Map(local.posts.map((post) => [post.line, post]));
  return {
    name: file.name,
    hash: fileHash(bytes),
    rowCount: parsed.rows.length,
    posts: problems.length ? [] : local.posts,
    preview: parsed.rows.slice(0, PREVIEW_ROWS).map((row) => ({ row, post: postOf.get(row.line) })),
    problems,
  };
}
