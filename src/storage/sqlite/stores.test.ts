import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLedgerStoreContract, usageEvent } from '../contract/ledger-store.contract.js';
import { describeResponseStoreContract } from '../contract/response-store.contract.js';
import BetterSqlite3 from 'better-sqlite3';
import { usageRowsSql, usageTotalsSql } from '../sql/ledger-queries.js';
import { openSqlite } from './database.js';
import { applyMigrations, CORE_MIGRATIONS } from './migrations.js';
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
    expect(again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(CORE_MIGRATIONS.length);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('upgrades a ledger of migration 4: events kept, their rollups filled in, new columns defaulted (routing columns of migration 6 empty)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gantry-sqlite-')), 'gantry.db');
    const old = new BetterSqlite3(path);
    applyMigrations(old, CORE_MIGRATIONS.filter((m) => m.id <= 4));
    const legacy = usageEvent({ requestId: 'old-1', ts: Date.UTC(2026, 0, 1, 5, 30) });
    old
      .prepare(`INSERT INTO usage_events VALUES (${Array(26).fill('?').join(', ')})`)
      .run(legacy.requestId, legacy.ts, legacy.endpoint, legacy.keyId, legacy.team, legacy.agent, null, legacy.run, '{"repo":"web"}', legacy.model,
        legacy.route, legacy.provider, 1, 12, 2, 0, 30, 0, 21, legacy.priceVersion, 12.5, 3.25, 200, null, 'completed', null);
    old.close();
    const store = createSqliteLedgerStore(openSqlite(path));
    expect(await store.get('old-1')).toEqual({ ...legacy, user: undefined, savingsMicros: 0, servedModel: undefined, routeReason: undefined, cache: undefined, attempts: undefined, policy: undefined, guardrails: undefined });
    const r = await store.usage({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2), groupBy: ['hour', 'repo'] });
    expect(r.rows).toEqual([{ dims: { hour: Date.UTC(2026, 0, 1, 5), repo: 'web' }, requests: 1, errors: 0, inputTokens: 12, cachedInputTokens: 2, cacheWriteInputTokens: 0, outputTokens: 30, costMicros: 21, savingsMicros: 0, cacheHits: 0 }]);
  });

  it('answers usage queries from the rollup indexes (whole days from the daily rollup), never scanning events', () => {
    const db = freshDb();
    const plan = (q: Parameters<typeof usageRowsSql>[1]) => {
      const queries = [usageRowsSql('sqlite', q, q.from, q.to, 100), usageTotalsSql('sqlite', q, q.from, q.to)];
      return queries.map((s) => (db.prepare(`EXPLAIN QUERY PLAN ${s.text}`).all(...s.params) as { detail: string }[]).map((r) => r.detail).join('\n'));
    };
    const day = 86_400_000;
    for (const detail of plan({ from: day - 3_600_000, to: 31 * day + 7_200_000, groupBy: ['team', 'agent', 'model'] })) {
      expect(detail).toMatch(/SEARCH usage_daily USING PRIMARY KEY \(day>\? AND day<\?\)/);
      expect(detail.match(/SEARCH usage_hourly USING PRIMARY KEY \(hour>\? AND hour<\?\)/g)).toHaveLength(2);
      expect(detail).not.toMatch(/SCAN usage|usage_events/);
    }
    for (const detail of plan({ from: 0, to: 3_600_000, groupBy: ['hour', 'agent'], filter: { team: ['a', 'b'], agent: 'x' } })) {
      expect(detail).toMatch(/SEARCH usage_hourly USING PRIMARY KEY \(hour>\? AND hour<\?\)/);
      expect(detail).not.toMatch(/usage_daily|SCAN usage/);
    }
  });

  it('answers rows and totals of one usage query from one snapshot, while another process commits', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gantry-sqlite-')), 'gantry.db');
    const db = openSqlite(path);
    const other = createSqliteLedgerStore(openSqlite(path)); // another worker on the same file
    const ts = Date.UTC(2026, 0, 1, 5);
    await createSqliteLedgerStore(db).appendBatch([usageEvent({ requestId: 'a', ts })]);
    // Right before the totals are read, the other process commits an event of the same hour.
    let pending: Promise<void> | undefined;
    const racing = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'prepare') return Reflect.get(target, prop, target);
        return (text: string) => {
          const stmt = target.prepare(text);
          if (!text.startsWith('SELECT SUM(requests)') || pending) return stmt;
          return new Proxy(stmt, {
            get(st, p) {
              if (p !== 'all') return Reflect.get(st, p, st);
              return (...params: unknown[]) => {
                pending = other.appendBatch([usageEvent({ requestId: 'b', ts })]);
                return st.all(...params);
              };
            },
          });
        };
      },
    });
    const r = await createSqliteLedgerStore(racing).usage({ from: ts, to: ts + 3_600_000, groupBy: ['team'] });
    await pending;
    expect(r.rows.reduce((n, row) => n + row.requests, 0)).toBe(r.totals.requests);
  });

  it('exports an hour at a time and lets the event loop run in between (an export never stalls request handling)', async () => {
    const ledger = createSqliteLedgerStore(freshDb());
    const start = Date.UTC(2026, 0, 1);
    await ledger.appendBatch(Array.from({ length: 48 }, (_, i) => usageEvent({ requestId: `h${i}`, ts: start + i * 3_600_000 + 1 })));
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const rows = [];
    for await (const row of ledger.exportRows(start, start + 2 * 86_400_000)) rows.push(row);
    const during = ticks;
    ticking = false;
    expect(rows).toHaveLength(48);
    expect(during).toBeGreaterThanOrEqual(40);
  });
});
