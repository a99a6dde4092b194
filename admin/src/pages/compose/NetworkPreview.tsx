// How the post will look on each chosen channel: the text that channel gets (its override, if any), what
// validatePost refuses in it, the links it carries and the images. PostFlow's API previews link cards only for
// source items (previewSourcePost), not for a URL typed into a post, so links are shown as they are, and said so.
import { Alert, Box, Link, Paper, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { MediaThumbnail } from './MediaThumbnail';
import { PlatformIcon } from './PlatformIcon';
import type { ContentVerdict } from './useComposerChecks';

interface Props {
  channels: ChannelRecord[];
  content: string;
  overrides: Record<string, string>;
  mediaUrls: string[];
  verdicts: Map<string, ContentVerdict>;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/** The links in a text, without the punctuation that usually ends a sentence after them. */
export function linksIn(text: string): string[] {
  return [...new Set((text.match(URL_IN_TEXT) ?? []).map((url) => url.replace(/[.,;:!?)\]]+$/, '')))];
}

export function NetworkPreview({ channels, content, overrides, mediaUrls, verdicts }: Props) {
  const translate = useTranslate();
  if (!channels.length) return <Typography color="text.secondary">{translate('postflow.compose.pickChannelsFirst')}</Typography>;
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      {channels.map((channel) => {
        const text = overrides[channel.id] ?? content;
        const verdict = verdicts.get(channel.id);
        const links = linksIn(text);
        const headingId = `look-${channel.id}`;
        return (
          <Paper key={channel.id} component="section" variant="outlined" aria-labelledby={headingId} sx={{ p: 1.5, minWidth: 0 }}>
            <Typography component="h3" variant="subtitle2" id={headingId} sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}>
              <PlatformIcon platform={channel.platform} />
              {translate('postflow.compose.lookOn', { name: channel.name })}
            </Typography>
            {channel.id in overrides && (
              <Typography variant="caption" color="text.secondary">
                {translate('postflow.compose.usesOverride')}
              </Typography>
            )}
            <Typography sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', my: 1 }} data-testid="sent-text">
              {text || (
                <Box component="span" sx={{ color: 'text.secondary' }}>
                  {translate('postflow.compose.noText')}
                </Box>
              )}
            </Typography>
            {verdict && !verdict.ok && (
              <Alert severity="error" sx={{ mb: 1 }}>
                {translate('postflow.compose.wouldBeRefused', { reasons: verdict.violations.map((violation) => violation.message).join('; ') })}
              </Alert>
            )}
            {links.map((url) => (
              <Box key={url} sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1, mb: 1, overflowWrap: 'anywhere' }}>
                <Link href={url} target="_blank" rel="noopener noreferrer">
                  {url}
                </Link>
                <Typography variant="caption" component="p" color="text.secondary">
                  {translate('postflow.compose.noLinkCard')}
                </Typography>
              </Box>
            ))}
            {mediaUrls.length > 0 && (
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                {mediaUrls.map((url, index) => (
                  <MediaThumbnail key={`${index}:${url}`} url={url} />
                ))}
              </Box>
            )}
          </Paper>
        );
      })}
    </Box>
  );
}
