// An instant as the viewer's locale writes it, in a given zone and naming that zone: a channel's 09:00 is only
// meaningful with its zone beside it. The machine-readable instant stays in the <time> element.
const formats = new Map<string, Intl.DateTimeFormat>();

export function formatInZone(iso: string, zone: string): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: zone,
      timeZoneName: 'short',
    });
    formats.set(zone, format);
  }
  return format.format(new Date(iso));
}

export function ZonedTime({ iso, zone }: { iso: string; zone: string }) {
  const written = formatInZone(iso, zone);
  return (
    <time dateTime={iso} title={zone}>
      {/* "GMT+9" alone does not say Tokyo; "UTC" already says UTC. */}
      {written.endsWith(zone) ? written : `${written} (${zone})`}
    </time>
  );
}
