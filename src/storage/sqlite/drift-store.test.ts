import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDriftStoreContract, observation } from '../contract/drift-store.contract.js';
import { openSqlite } from './database.js';
import { createSqliteDriftStore } from './drift-store.js';

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'gantry-drift-')), 'gantry.db');

describeDriftStoreContract('sqlite', () => createSqliteDriftStore(openSqlite(freshPath())));

it('sqlite: findings survive a restart (they live in the ledger file)', async () => {
  const path = freshPath();
  const db = openSqlite(path);
  await createSqliteDriftStore(db).record([observation({ count: 3 })]);
  db.close();
  const again = openSqlite(path);
  expect(await createSqliteDriftStore(again).list({ since: 0 })).toEqual([expect.objectContaining({ agent: 'helper-bot', count: 3 })]);
  again.close();
});
