// Live updates: one graphql-ws client on ws(s)://<this host>/graphql, opened on the first subscription (lazy) and
// authenticated by the session cookie the browser sends with the upgrade. A page does not render events itself: it
// names the react-query caches an event makes stale, and react-admin refetches what is on screen.
//   useLiveInvalidate('subscription { deliveryUpdated { id } }', [['deliveries'], ['posts']]);
import { useEffect } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { createClient, type Client } from 'graphql-ws';
import { GRAPHQL_URL } from './graphql';

let client: Client | null = null;

export function liveClient(): Client {
  if (!client) {
    const url = new URL(GRAPHQL_URL, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    client = createClient({
      url: url.href,
      lazy: true,
      // A restarted server or a dropped network: keep trying, spaced out (graphql-ws's randomised backoff).
      retryAttempts: Infinity,
      shouldRetry: () => true,
    });
  }
  return client;
}

/** Closes the socket: it was authenticated by the cookie of the session that just ended or changed workspace. */
export function closeLiveClient(): void {
  const closing = client;
  client = null;
  void closing?.dispose();
}

/**
 * Subscribes while the component is mounted and invalidates each key (a prefix of react-admin's query keys, such as
 * ['deliveries'] for every deliveries list and record) on every event.
 */
export function useLiveInvalidate(subscription: string, queryKeys: QueryKey[], variables: Record<string, unknown> = {}): void {
  const queryClient = useQueryClient();
  // Compared as text: callers pass fresh arrays and objects on every render.
  const keysText = JSON.stringify(queryKeys);
  const variablesText = JSON.stringify(variables);
  useEffect(() => {
    const keys = JSON.parse(keysText) as QueryKey[];
    const dispose = liveClient().subscribe(
      { query: subscription, variables: JSON.parse(variablesText) },
      {
        next: () => {
          for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey });
        },
        // An ended session ends its subscriptions (UNAUTHENTICATED): the next request's 401 signs the page out.
        error: () => {},
        complete: () => {},
      },
    );
    return dispose;
  }, [queryClient, subscription, keysText, variablesText]);
}
