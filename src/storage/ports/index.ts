export type { LedgerStore } from './ledger-store.js';
export type { ResponseStore, StoredResponse } from './response-store.js';
export type { UsageSink } from './usage-sink.js';
export type { AuditDraft, AuditEntry, CommitResult, ListPage, ListQuery, ResourceDelete, ResourcePut, ResourceStore, ResourceWrite, StoredResource } from './resource-store.js';
export type { AdmitRequest, AdmitResult, BudgetHold, BudgetLevel, CompleteRequest, CounterStore, RateCheck, RateState, SlotCheck } from './counter-store.js';
export type { CacheEntry, CacheStore } from './cache-store.js';
export type { SemanticIndex, SemanticMatch } from './semantic-index.js';
