// Media containers: Instagram and Threads publish in two steps, make a container, then publish it. A container is
// published once at most, which is what makes a retry of these networks safe.
import { ClassifiedError, HttpFailure, sleep } from './http.js';
import { graphGet, rateLimitHints, type GraphCall } from './metaGraph.js';
import type { PublishResult } from './types.js';

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED' | 'ERROR' | 'EXPIRED' | 'UNKNOWN';

export function containerStatusOf(value: unknown): ContainerStatus {
  const known: ContainerStatus[] = ['IN_PROGRESS', 'FINISHED', 'PUBLISHED', 'ERROR', 'EXPIRED'];
  return known.find((s) => s === value) ?? 'UNKNOWN';
}

export interface ContainerTuning {
  /** Delay between reads of a container's status while the platform fetches and processes the media. */
  containerPollIntervalMs?: number;
  containerPollAttempts?: number;
}

export interface ContainerSteps {
  label: string;
  readStatus(containerId: string): Promise<{ status: ContainerStatus; detail: string | null }>;
  /** Checks made before anything is created or published (Instagram's daily publishing quota). */
  beforePublish?(): Promise<void>;
  /** Makes the post's container (and a carousel's children); answers the container id. */
  create(): Promise<string>;
  /** media_publish / threads_publish: answers the published media id. */
  publish(containerId: string): Promise<{ id: string; headers: Headers }>;
  /** The media a container became, looked up after the publish answer was lost; null when it cannot be told. */
  findPublished(since: Date): Promise<string | null>;
  pollIntervalMs: number;
  pollAttempts: number;
}

export interface ContainerOutcome {
  mediaId: string | null;
  containerId: string;
  headers: Headers | null;
}

interface ContainerProgress {
  containerId?: unknown;
  publishingSince?: unknown;
}

/**
 * A container can be published once: retrying with the checkpointed container cannot make a second post. So an
 * attempt first asks what became of the container an earlier attempt made: PUBLISHED means the post is out (its
 * answer was lost) and is reported as such; FINISHED or IN_PROGRESS is reused; ERROR or EXPIRED gets a new one.
 */
export async function publishThroughContainer(
  request: { progress: Record<string, unknown> | null; checkpoint(progress: Record<string, unknown>): Promise<void> },
  steps: ContainerSteps,
): Promise<ContainerOutcome> {
  const saved = (request.progress ?? {}) as ContainerProgress;
  const since = () => new Date(typeof saved.publishingSince === 'string' ? saved.publishingSince : Date.now() - 24 * 3600_000);
  let containerId: string | null = null;
  if (typeof saved.containerId === 'string' && saved.containerId !== '') {
    const { status } = await steps.readStatus(saved.containerId);
    if (status === 'PUBLISHED') return { mediaId: await steps.findPublished(since()), containerId: saved.containerId, headers: null };
    if (status === 'FINISHED' || status === 'IN_PROGRESS') containerId = saved.containerId;
  }
  await steps.beforePublish?.();
  if (containerId === null) {
    containerId = await steps.create();
    await request.checkpoint({ containerId });
  }
  await waitUntilFinished(steps, containerId);
  const publishingSince = new Date(Date.now() - 60_000).toISOString();
  await request.checkpoint({ containerId, publishingSince });
  try {
    const published = await steps.publish(containerId);
    return { mediaId: published.id, containerId, headers: published.headers };
  } catch (error) {
    // A refusal may mean an earlier, lost publish of this container went through after all.
    if (error instanceof HttpFailure) {
      const after = await steps.readStatus(containerId).catch(() => null);
      if (after?.status === 'PUBLISHED') return { mediaId: await steps.findPublished(new Date(publishingSince)), containerId, headers: null };
    }
    throw error;
  }
}

/**
 * The publish result of a container: the media with its permalink (read with `mediaCall`; best effort), or the
 * container itself when the media a lost answer made cannot be told apart.
 */
export async function containerPublishResult(outcome: ContainerOutcome, mediaCall: GraphCall): Promise<PublishResult> {
  if (outcome.mediaId === null) return { externalId: outcome.containerId, externalUrl: null, responseCode: 200 };
  let permalink: string | null = null;
  try {
    const res = await graphGet<{ permalink?: unknown } | null>(mediaCall, `/${encodeURIComponent(outcome.mediaId)}`, { fields: 'permalink' });
    permalink = typeof res.body?.permalink === 'string' ? res.body.permalink : null;
  } catch {
    // The post is out; a missing link must not turn it into a failure (and a retry).
  }
  const hints = outcome.headers ? rateLimitHints(outcome.headers) : undefined;
  return { externalId: outcome.mediaId, externalUrl: permalink, responseCode: 200, ...(hints && { rateLimits: hints }) };
}

async function waitUntilFinished(steps: ContainerSteps, containerId: string): Promise<void> {
  for (let attempt = 0; attempt < steps.pollAttempts; attempt += 1) {
    if (attempt > 0) await sleep(steps.pollIntervalMs);
    const { status, detail } = await steps.readStatus(containerId);
    if (status === 'FINISHED') return;
    if (status === 'PUBLISHED') throw new Error(`${steps.label} container ${containerId} was published before PostFlow published it`);
    if (status === 'ERROR' || status === 'EXPIRED') {
      // Mostly the platform failing to fetch the image from its URL; the next attempt makes a new container.
      throw new ClassifiedError({
        kind: 'RETRYABLE',
        errorClass: status === 'ERROR' ? 'MEDIA_CONTAINER_ERROR' : 'MEDIA_CONTAINER_EXPIRED',
        message: `${steps.label} could not prepare the post's media (container ${status}${detail ? `: ${detail}` : ''}); a new container is made on retry`,
        responseCode: null,
        retryAfterMs: null,
      });
    }
  }
  throw new ClassifiedError({
    kind: 'RETRYABLE',
    errorClass: 'MEDIA_PROCESSING',
    message: `${steps.label} was still processing the post's media after ${steps.pollAttempts} checks`,
    responseCode: null,
    retryAfterMs: null,
  });
}
