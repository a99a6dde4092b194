// Each planned post's text and media judged by the API's validatePost (every network's length, media and link rules,
// exactly as createPost will), many posts per request: one aliased field each, within the API's alias limit.
import { gql } from '../../graphql';
import type { PlannedPost } from './checkRows';
import type { RowProblem } from './problems';

/**
 * Below the API's default alias limit (30 per request). The API resolves a request's aliases at once, each with its
 * own database query: one request at a time keeps that within the server's connection pool.
 */
const PER_REQUEST = 20;
const PARALLEL = 1;

interface Verdict {
  channelId: string;
  ok: boolean;
  violations: { field: string; rule: string; message: string }[];
}

export async function checkContent(posts: PlannedPost[], onProgress?: (checked: number) => void): Promise<RowProblem[]> {
  // Rows with the same text, media and channels get one verdict.
  const keyOf = (post: PlannedPost) => JSON.stringify([post.content, post.mediaUrls, post.channels.map((channel) => channel.id)]);
  const distinct = [...new Map(posts.map((post) => [keyOf(post), post])).values()];
  const verdicts = new Map<string, Verdict[]>();
  const batches: PlannedPost[][] = [];
  for (let i = 0; i < distinct.length; i += PER_REQUEST) batches.push(distinct.slice(i, i + PER_REQUEST));
  let checked = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const answers = await validateBatch(batch);
      batch.forEach((post, i) => verdicts.set(keyOf(post), answers[i]!));
      checked += batch.length;
      onProgress?.(Math.round((checked / distinct.length) * posts.length));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, batches.length) }, worker));

  const problems: RowProblem[] = [];
  for (const post of posts) {
    for (const verdict of verdicts.get(keyOf(post)) ?? []) {
      const channel = post.channels.find((c) => c.id === verdict.channelId)?.name ?? verdict.channelId;
      for (const violation of verdict.violations) {
        problems.push({ line: post.line, column: violation.field, rule: violation.rule, message: `${channel}: ${violation.message}` });
      }
    }
  }
  return problems;
}

async function validateBatch(batch: PlannedPost[]): Promise<Verdict[][]> {
  const definitions = batch.map((_, i) => `$c${i}: [ID!]!, $t${i}: String!, $m${i}: [String!]`).join(', ');
  const fields = batch.map((_, i) => `v${i}: validatePost(channelIds: $c${i}, content: $t${i}, mediaUrls: $m${i}) { channelId ok violations { field rule message } }`).join('\n');
  const variables: Record<string, unknown> = {};
  batch.forEach((post, i) => {
    variables[`c${i}`] = post.channels.map((channel) => channel.id);
    variables[`t${i}`] = post.content;
    variables[`m${i}`] = post.mediaUrls;
  });
  const data = await gql<Record<string, Verdict[]>>(`query ImportCheck(${definitions}) {\n${fields}\n}`, variables);
  return batch.map((_, i) => data[`v${i}`] ?? []);
}
