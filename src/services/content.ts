// Checks a post's text and media against the rules of every network it targets, before anything is saved.
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ContentVerdict, PlatformName } from '../integrations/types.js';
import { Issues, isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';

/** Facebook's limit, the largest of any network PostFlow may target: no post can be longer anywhere. */
export const MAX_POST_LENGTH = 63_206;
export const MAX_MEDIA_URLS = 20;

interface TargetChannel {
  id: string;
  name: string;
  platform: PlatformName;
  settings: unknown;
}

export interface ChannelVerdict extends ContentVerdict {
  channelId: string;
}

/** A channel's own text, and where a problem with it is reported (the input field that caused it). */
export interface ContentOverride {
  text: string;
  path: (string | number)[];
}

/** The channel's network judging its text (the override, when it has one) and the media. */
function judge(providers: ProviderRegistry, channel: Pick<TargetChannel, 'platform' | 'settings'>, text: string, mediaUrls: string[]): ContentVerdict {
  return providers.get(channel.platform).checkContent({ text, mediaUrls }, (channel.settings ?? {}) as Record<string, unknown>);
}

export function checkContentForChannels(
  providers: ProviderRegistry,
  issues: Issues,
  base: (string | number)[],
  channels: TargetChannel[],
  content: string,
  mediaUrls: string[],
  overrides: Map<string, ContentOverride>,
): ChannelVerdict[] {
  return channels.map((channel) => {
    const override = overrides.get(channel.id);
    const verdict = judge(providers, channel, override?.text ?? content, mediaUrls);
    for (const v of verdict.violations) {
      const path = v.field === 'content' && override !== undefined ? override.path : [...base, v.field];
      issues.add(path, v.rule, `${channel.platform} channel "${channel.name}": ${v.message}`);
    }
    return { ...verdict, channelId: channel.id };
  });
}

export interface ValidatePostInput {
  content: string;
  channelIds: string[];
  mediaUrls?: string[] | null;
  contentOverrides?: { channelId: string; content: string }[] | null;
}

export interface PostVerdict extends ChannelVerdict {
  platform: PlatformName;
  ok: boolean;
}

/** What createPost would say of this content on each channel, without saving anything: counted length, limit, problems. */
export async function validatePost(deps: Pick<ServiceDeps, 'prisma' | 'providers'>, workspaceId: string, input: ValidatePostInput): Promise<PostVerdict[]> {
  const issues = new Issues();
  const ids = input.channelIds ?? [];
  issues.check(ids.length > 0, ['channelIds'], 'required', 'choose at least one channel');
  const channels = await deps.prisma.channel.findMany({ where: { workspaceId, deletedAt: null, id: { in: ids.filter(isUuid) } } });
  const byId = new Map(channels.map((c) => [c.id, c]));
  ids.forEach((id, i) => issues.check(byId.has(id), ['channelIds', i], 'exists', `channel ${id} does not exist in this workspace`));
  issues.throwIfAny();
  const overrides = new Map((input.contentOverrides ?? []).map((o) => [o.channelId, o.content]));
  return ids.map((id) => {
    const channel = byId.get(id)!;
    const verdict = judge(deps.providers, channel, overrides.get(id) ?? input.content, input.mediaUrls ?? []);
    return { ...verdict, channelId: id, platform: channel.platform, ok: verdict.violations.length === 0 };
  });
}
