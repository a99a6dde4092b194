import type { DataProvider } from 'react-admin';

/** One resource's part of the data provider: the methods it supports (index.ts refuses the others by name). */
export type ResourceProvider = Partial<Pick<DataProvider, 'getList' | 'getOne' | 'getMany' | 'getManyReference' | 'create' | 'update' | 'updateMany' | 'delete' | 'deleteMany'>>;
