// Dates and times as the viewer's browser writes them (its locale and time zone), never a fixed format.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export const formatDateTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '');
export const formatTime = (iso: string | null | undefined): string => (iso ? time.format(new Date(iso)) : '');
