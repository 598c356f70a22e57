import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLedgerStoreContract, usageEvent } from '../contract/ledger-store.contract.js';
import { describeResponseStoreContract } from '../contract/response-store.contract.js';
import { openSqlite } from './database.js';
import { createSqliteLedgerStore } from './ledger-store.js';
import { createSqliteResponseStore } from './response-store.js';

const freshDb = () => openSqlite(join(mkdtempSync(join(tmpdir(), 'gantry-sqlite-')), 'gantry.db'));

describeLedgerStoreContract('sqlite', () => createSqliteLedgerStore(freshDb()));
describeResponseStoreContract('sqlite', () => createSqliteResponseStore(freshDb()));

describe('sqlite database', () => {
  it('applies migrations once and keeps data across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gantry-sqlite-')), 'gantry.db');
    const db = openSqlite(path);
    await createSqliteLedgerStore(db).appendBatch([usageEvent()]);
    db.close();
    const again = openSqlite(path);
    expect(await createSqliteLedgerStore(again).totals()).toEqual({ events: 1, costMicros: 21 });
    expect(again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(4);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
