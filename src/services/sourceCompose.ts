// One item, the source's rules and the target channels -> the post each channel gets: its template rendered with the
// item's values, UTM parameters on the links, the whole fitted to what the channel's network accepts. The one
// composition behind the posts a source makes (sourcePosts.ts) and previewSourcePost (sources.ts).
import type { Channel } from '../generated/prisma/client.js';
import type { SourceItem } from '../domain/sourceItems.js';
import { templateFor, type SourceRules } from '../domain/sourceRules.js';
import type { PlatformName } from '../domain/platforms.js';
import { rulesFor } from '../integrations/contentRules.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import { composePost, type LinkCard } from '../templates/compose.js';

export interface ComposedForChannel {
  channel: Channel;
  text: string;
  /** False when even the kept link does not fit: no post is made for the event (ERROR). */
  fits: boolean;
  droppedHashtags: number;
  droppedWords: number;
  link: string | null;
  card: LinkCard | null;
}

export interface ComposedPost {
  /** The item's first image when one of the networks publishes nothing without one (Instagram, Pinterest), else none. */
  mediaUrls: string[];
  channels: ComposedForChannel[];
}

/**
 * Throws TemplateRenderError when a template fails while rendering (a limit reached). `messages`: the item's author's
 * own words per network (WordPress' editor panel), used instead of the template on that network's channels.
 */
export function composeForChannels(
  providers: ProviderRegistry,
  rules: SourceRules,
  sourceName: string,
  item: SourceItem,
  channels: Channel[],
  messages: Partial<Record<PlatformName, string>> = {},
): ComposedPost {
  // A post's media are shared by its deliveries: the image goes along where a network requires one; elsewhere the
  // link's own preview shows the item.
  const image = item.images[0]?.url;
  const needsImage = channels.some((c) => rulesFor(c.platform as PlatformName, settingsOf(c)).requiresMedia);
  const mediaUrls = image && needsImage ? [image] : [];
  return {
    mediaUrls,
    channels: channels.map((channel) => {
      const provider = providers.get(channel.platform as PlatformName);
      const fits = (text: string) => provider.checkContent({ text, mediaUrls }, settingsOf(channel)).violations.every((v) => v.field !== 'content');
      const utm = rules.utm.enabled ? { source: channel.platform.toLowerCase(), medium: rules.utm.medium, campaign: rules.utm.campaign ?? sourceName } : null;
      const template = templateFor(rules, { id: channel.id, platform: channel.platform as PlatformName }, item.kind);
      const composed = composePost({ template, text: messages[channel.platform as PlatformName], item, utm, fits });
      return { channel, ...composed };
    }),
  };
}

const settingsOf = (channel: Channel) => (channel.settings ?? {}) as Record<string, unknown>;
