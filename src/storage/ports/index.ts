export type { LedgerStore } from './ledger-store.js';
export type { ResponseStore, StoredResponse } from './response-store.js';
export type { UsageSink } from './usage-sink.js';
