// An instant as the viewer's locale writes it, in a given zone and naming that zone: a channel's 09:00 is only
// meaningful with its zone beside it. The machine-readable instant stays in the <time> element.
import { formatInZone } from '../../format';

export function ZonedTime({ iso, zone }: { iso: string; zone: string }) {
  const written = formatInZone(iso, zone);
  return (
    <time dateTime={iso} title={zone}>
      {/* "GMT+9" alone does not say Tokyo; "UTC" already says UTC. */}
      {written.endsWith(zone) ? written : `${written} (${zone})`}
    </time>
  );
}
