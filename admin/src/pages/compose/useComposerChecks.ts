// The composer's two live checks, each asked of the API ~300 ms after the last change (not on every keystroke):
// validatePost (each channel's counted length, limit and violations, as createPost will judge it) and
// previewSchedule (where each channel would put the post). react-query keys them by their inputs, so an answer to
// an older text never replaces the answer to the newer one, and the last answer stays shown while the next loads.
import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { gql } from '../../graphql';
import { previewPost, validateVariables, type ComposerValues } from './composerState';

const DEBOUNCE_MS = 300;

export interface ContentVerdict {
  channelId: string;
  platform: string;
  counted: number;
  limit: number;
  ok: boolean;
  violations: { field: string; rule: string; message: string }[];
}

export interface PreviewedDelivery {
  channelId: string;
  scheduledAt: string | null;
  allowed: boolean;
  reason: string | null;
  layer: 'RULES' | 'QUEUE';
}

const VALIDATE = `query ComposerValidate($channelIds: [ID!]!, $content: String!, $contentOverrides: [ContentOverrideCheckInput!], $mediaUrls: [String!]) {
  validatePost(channelIds: $channelIds, content: $content, contentOverrides: $contentOverrides, mediaUrls: $mediaUrls) {
    channelId platform counted limit ok violations { field rule message }
  }
}`;

const PREVIEW = `query ComposerPreview($posts: [PreviewPostInput!]!) {
  previewSchedule(posts: $posts) { channelId scheduledAt allowed reason layer }
}`;

export function useDebounced<T>(value: T, delayMs = DEBOUNCE_MS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export function useVerdicts(values: ComposerValues) {
  const variables = useDebounced(JSON.stringify(validateVariables(values)));
  const query = useQuery({
    queryKey: ['composer', 'validatePost', variables],
    queryFn: async () => (await gql<{ validatePost: ContentVerdict[] }>(VALIDATE, JSON.parse(variables))).validatePost,
    enabled: values.channelIds.length > 0 && (JSON.parse(variables) as { channelIds: string[] }).channelIds.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const byChannel = new Map((query.data ?? []).map((verdict) => [verdict.channelId, verdict]));
  return { byChannel, error: query.error, isFetching: query.isFetching };
}

export function useSchedulePreview(values: ComposerValues) {
  const post = useDebounced(JSON.stringify(previewPost(values)));
  const query = useQuery({
    queryKey: ['composer', 'previewSchedule', post],
    queryFn: async () => (await gql<{ previewSchedule: PreviewedDelivery[] }>(PREVIEW, { posts: [JSON.parse(post)] })).previewSchedule,
    enabled: post !== 'null',
    placeholderData: keepPreviousData,
    retry: false,
  });
  const byChannel = new Map((query.data ?? []).map((delivery) => [delivery.channelId, delivery]));
  return { byChannel, error: query.error, isFetching: query.isFetching, asked: post !== 'null' };
}
