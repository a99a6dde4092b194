// The checked posts sent to bulkCreatePosts in chunks, in file order. Every row carries an idempotencyKey made of the
// file's SHA-256 and its line, so sending the same file again (after an interruption, or twice) returns the posts
// already made instead of creating them again. bulkCreatePosts saves a chunk whole or not at all: the first chunk it
// refuses ends the import, with its issues named by line.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { HttpError } from 'react-admin';
import { gql, type ErrorBody } from '../../graphql';
import type { PlannedPost } from './checkRows';
import type { RowProblem } from './problems';

export const CHUNK_SIZE = 100;

export interface ImportSummary {
  created: number;
  scheduled: number;
  pending: number;
  drafts: number;
  existing: number;
  awaitingApproval: number;
}

export interface ChunkProgress {
  sent: number;
  total: number;
  chunk: number;
  chunks: number;
}

export class ChunkRefused extends Error {
  constructor(
    readonly chunk: number,
    readonly firstLine: number,
    readonly lastLine: number,
    readonly problems: RowProblem[],
    readonly summary: ImportSummary,
    message: string,
  ) {
    super(message);
  }
}

const BULK = `mutation ImportPosts($posts: [CreatePostInput!]!) {
  bulkCreatePosts(posts: $posts, autoSchedule: true) { created scheduled pending drafts existing awaitingApproval }
}`;

/** Hashed in JavaScript rather than crypto.subtle, which a console served over plain http (a LAN) does not have. */
export function fileHash(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

export const idempotencyKey = (hash: string, line: number) => `csv:${hash}:${line}`;

export async function sendImport(posts: PlannedPost[], hash: string, onChunk: (progress: ChunkProgress) => void): Promise<ImportSummary> {
  const summary: ImportSummary = { created: 0, scheduled: 0, pending: 0, drafts: 0, existing: 0, awaitingApproval: 0 };
  const chunks = Math.ceil(posts.length / CHUNK_SIZE);
  for (let chunk = 0; chunk < chunks; chunk++) {
    const rows = posts.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE);
    let answer: ImportSummary;
    try {
      answer = (await gql<{ bulkCreatePosts: ImportSummary }>(BULK, { posts: rows.map((post) => inputOf(post, hash)) })).bulkCreatePosts;
    } catch (error) {
      throw new ChunkRefused(chunk + 1, rows[0]!.line, rows.at(-1)!.line, problemsOf(error, rows), summary, (error as Error).message);
    }
    for (const key of Object.keys(summary) as (keyof ImportSummary)[]) summary[key] += answer[key];
    onChunk({ sent: chunk * CHUNK_SIZE + rows.length, total: posts.length, chunk: chunk + 1, chunks });
  }
  return summary;
}

function inputOf(post: PlannedPost, hash: string) {
  return {
    content: post.content,
    channelIds: post.channels.map((channel) => channel.id),
    mediaUrls: post.mediaUrls,
    idempotencyKey: idempotencyKey(hash, post.line),
    ...(post.draft ? { draft: true, scheduledAt: post.scheduledAt } : post.scheduledAt ? { scheduledAt: post.scheduledAt } : {}),
  };
}

/** The API's issues (paths ["posts", row, field, ...]) on the lines of their rows; any other refusal on the chunk. */
function problemsOf(error: unknown, rows: PlannedPost[]): RowProblem[] {
  const body = error instanceof HttpError ? (error.body as ErrorBody | undefined) : undefined;
  const issues = body?.issues ?? [];
  if (!issues.length) return [{ line: null, rule: body?.code ?? 'request', message: (error as Error).message }];
  return issues.map((issue) => {
    const [, row, column] = issue.path;
    const post = typeof row === 'number' ? rows[row] : undefined;
    return { line: post?.line ?? null, column: typeof column === 'string' ? column : undefined, rule: issue.rule, message: issue.message };
  });
}
