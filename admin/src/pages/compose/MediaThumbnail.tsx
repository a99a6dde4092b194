// A thumbnail of one media URL, its alt text made from the file's name (the best a URL says of what it shows). An
// image the browser cannot load is shown as broken rather than left as an empty box, since the network would not
// be able to fetch it either. Keyed by URL where used, so a corrected URL gets a fresh try.
import { useState } from 'react';
import { Box, Typography } from '@mui/material';
import BrokenImage from '@mui/icons-material/BrokenImage';
import { useTranslate } from 'react-admin';

/** "https://shop.example/img/chocolate-cake.jpg?w=600" -> "chocolate cake"; null when it is not an http(s) URL. */
export function mediaName(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const file = parsed.pathname.split('/').filter(Boolean).at(-1) ?? '';
  let name = file;
  try {
    name = decodeURIComponent(file);
  } catch {
    // A malformed escape: the name as written is still the best there is.
  }
  name = name
    .replace(/\.[a-z0-9]{2,5}$/i, '')
    .replace(/[-_+]+/g, ' ')
    .trim();
  return name || parsed.hostname;
}

export function MediaThumbnail({ url, size = 96 }: { url: string; size?: number }) {
  const translate = useTranslate();
  const [broken, setBroken] = useState(false);
  const name = mediaName(url);
  if (name === null) return null;
  const box = { width: size, height: size, borderRadius: 1, border: 1, borderColor: 'divider', flex: 'none' } as const;
  if (broken)
    return (
      <Box role="img" aria-label={translate('postflow.compose.brokenImage', { name })} sx={{ ...box, display: 'grid', placeItems: 'center', textAlign: 'center', p: 0.5 }}>
        <BrokenImage color="error" aria-hidden="true" />
        <Typography variant="caption" color="error" aria-hidden="true" sx={{ wordBreak: 'break-word', lineHeight: 1.1 }}>
          {translate('postflow.compose.brokenImageShort')}
        </Typography>
      </Box>
    );
  return <Box component="img" src={url} alt={name} loading="lazy" onError={() => setBroken(true)} sx={{ ...box, objectFit: 'cover' }} />;
}
