// Checks a post's text and media against the rules of every network it targets, before anything is saved.
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ContentVerdict, PlatformName } from '../integrations/types.js';
import type { Issues } from './validation.js';

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
    const text = override?.text ?? content;
    const verdict = providers.get(channel.platform).checkContent({ text, mediaUrls }, (channel.settings ?? {}) as Record<string, unknown>);
    for (const v of verdict.violations) {
      const path = v.field === 'content' && override !== undefined ? override.path : [...base, v.field];
      issues.add(path, v.rule, `${channel.platform} channel "${channel.name}": ${v.message}`);
    }
    return { ...verdict, channelId: channel.id };
  });
}
