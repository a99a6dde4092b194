// A PublishRequest as the worker builds it, for calling a provider directly. The progress store stands in for the
// delivery row's publish_progress column: build the next attempt's request with the same store to continue.
import type { PublishProgress, PublishRequest } from '../../src/integrations/types.js';

export interface ProgressStore {
  value: PublishProgress | null;
  /** Every checkpoint saved, in order. */
  saves: PublishProgress[];
}

export function progressStore(): ProgressStore {
  return { value: null, saves: [] };
}

export function publishRequest(overrides: Partial<PublishRequest> = {}, store: ProgressStore = progressStore()): PublishRequest {
  return {
    deliveryId: 'dlv_1',
    postId: 'post_1',
    text: 'Hello from PostFlow',
    mediaUrls: [],
    idempotencyKey: 'idem-1',
    scheduledAt: new Date('2030-01-01T10:00:00Z'),
    progress: store.value,
    checkpoint: async (progress) => {
      store.value = progress;
      store.saves.push(progress);
    },
    ...overrides,
  };
}
