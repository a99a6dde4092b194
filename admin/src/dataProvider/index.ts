// The data provider: react-admin's methods dispatched per resource to a small module each (one GraphQL query or
// mutation per method, over PostFlow's own schema; Relay connections paged by relay.ts). A page of wave 2 adds its
// module here under its resource name; a method a module does not have fails with a message naming both.
import type { DataProvider } from 'react-admin';
import type { ResourceProvider } from './types';
import { channels } from './channels';
import { deliveries } from './deliveries';
import { failedDeliveries } from './failedDeliveries';
import { posts } from './posts';

export const resources: Record<string, ResourceProvider> = {
  channels,
  deliveries,
  failedDeliveries,
  posts,
  // Wave 2 adds: deliveries (Queue, Calendar), ... (one import above and one line here each)
};

type Method = keyof ResourceProvider;

function dispatch<M extends Method>(method: M) {
  return ((resource: string, params: unknown) => {
    const handler = resources[resource]?.[method] as ((resource: string, params: unknown) => Promise<unknown>) | undefined;
    if (!handler) return Promise.reject(new Error(`the console's data provider has no ${method} for ${resource}`));
    return handler(resource, params);
  }) as NonNullable<ResourceProvider[M]>;
}

export const dataProvider: DataProvider = {
  getList: dispatch('getList'),
  getOne: dispatch('getOne'),
  getMany: dispatch('getMany'),
  getManyReference: dispatch('getManyReference'),
  create: dispatch('create'),
  update: dispatch('update'),
  updateMany: dispatch('updateMany'),
  delete: dispatch('delete'),
  deleteMany: dispatch('deleteMany'),
};
