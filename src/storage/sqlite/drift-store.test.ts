import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDriftStoreContract, observation } from '../contract/drift-store.contract.js';
import { openSqlite } from './database.js';
import { CORE_MIGRATIONS } from './migrations.js';
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

it('sqlite: migration 9 keeps the findings written before the team became part of a finding', () => {
  const db = openSqlite(freshPath());
  db.exec('DROP TABLE agent_drift');
  db.exec('CREATE TABLE agent_drift (agent TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL, team TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (agent, kind, item)) STRICT, WITHOUT ROWID');
  db.prepare('INSERT INTO agent_drift VALUES (?, ?, ?, ?, ?, ?, ?)').run('shadow-bot', 'unregistered_agent', '', 'team-a', 1, 2, 3);
  const migration = CORE_MIGRATIONS.find((m) => m.name === 'agent-drift-per-team');
  db.exec(migration?.sql ?? '');
  expect(db.prepare('SELECT agent, team, count FROM agent_drift').all()).toEqual([{ agent: 'shadow-bot', team: 'team-a', count: 3 }]);
  db.close();
});
