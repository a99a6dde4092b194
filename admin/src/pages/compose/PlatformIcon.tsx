// A network's mark beside its name. Decorative (the name is always written next to it), so hidden from screen
// readers. MUI has no Bluesky, Mastodon, Threads, Discord or VK logo: a neutral icon stands in for those.
import AlternateEmail from '@mui/icons-material/AlternateEmail';
import Cloud from '@mui/icons-material/Cloud';
import Facebook from '@mui/icons-material/Facebook';
import Forum from '@mui/icons-material/Forum';
import Groups from '@mui/icons-material/Groups';
import Instagram from '@mui/icons-material/Instagram';
import LinkedIn from '@mui/icons-material/LinkedIn';
import Pinterest from '@mui/icons-material/Pinterest';
import Public from '@mui/icons-material/Public';
import Telegram from '@mui/icons-material/Telegram';
import Webhook from '@mui/icons-material/Webhook';
import X from '@mui/icons-material/X';

const ICONS: Record<string, typeof Public> = {
  BLUESKY: Cloud,
  DISCORD: Forum,
  FACEBOOK: Facebook,
  INSTAGRAM: Instagram,
  LINKEDIN: LinkedIn,
  MASTODON: Public,
  PINTEREST: Pinterest,
  TELEGRAM: Telegram,
  THREADS: AlternateEmail,
  VK: Groups,
  WEBHOOK: Webhook,
  X,
};

export function PlatformIcon({ platform }: { platform: string }) {
  const Icon = ICONS[platform] ?? Public;
  return <Icon fontSize="small" aria-hidden="true" />;
}
