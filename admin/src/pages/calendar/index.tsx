// The calendar's route element, loaded on first visit: FullCalendar and its locales stay out of the console's first page.
import { lazy, Suspense } from 'react';
import { Loading } from 'react-admin';

const CalendarPage = lazy(() => import('./CalendarPage'));

export function CalendarRoute() {
  return (
    <Suspense fallback={<Loading />}>
      <CalendarPage />
    </Suspense>
  );
}
