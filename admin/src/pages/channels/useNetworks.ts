// The networks this server publishes to (networks query): how each connects and what each accepts. Asked once.
import { useQuery } from '@tanstack/react-query';
import { gql } from '../../graphql';

export interface Network {
  platform: string;
  oauth: boolean;
  appConfigured: boolean;
  needsInstanceUrl: boolean;
  rules: { maxLength: number; maxMedia: number; requiresMedia: boolean; counting: string };
}

export const NETWORKS_KEY = ['postflow', 'networks'];

export function useNetworks() {
  return useQuery({
    queryKey: NETWORKS_KEY,
    queryFn: async () =>
      (await gql<{ networks: Network[] }>('query Networks { networks { platform oauth appConfigured needsInstanceUrl rules { maxLength maxMedia requiresMedia counting } } }'))
        .networks,
    staleTime: Infinity,
  });
}

/** Whether a reconnect can go through the network's page without asking for an app (else: new credentials). */
export function reconnectsThroughPage(network: Network | undefined): boolean {
  return !!network?.oauth && (network.appConfigured || network.needsInstanceUrl);
}
