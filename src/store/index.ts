// The store's public interface: open a store on either engine, the table types, batch writes.
export { openStore, migrate, type Store, type StoreOptions, type Engine } from './store.js';
export { batchInsert, type BatchColumn } from './batch.js';
export type * from './schema.js';
export { migrations, type Migration } from './migrations/index.js';
