import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../test/helpers/control-plane.js';
import { grantDoc, SIM_BIG_MODEL_YAML } from '../../test/helpers/grant-fixtures.js';
import { createMemoryLedgerStore } from '../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../storage/memory/resource-store.js';
import { createGrantService } from '../control-plane/service/grants.js';
import type { ResourceStore } from '../storage/ports/resource-store.js';
import { startGrantExpiry } from './grant-expiry.js';

const T0 = Date.UTC(2026, 2, 1, 10);
const HOUR = 3_600_000;

const setup = `apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: research}
spec: {}
---
${SIM_BIG_MODEL_YAML}`;
const grant = (name: string, expiresAt: number) => grantDoc(name, { expiresAt });

describe('grant expiry sweep', () => {
  let now = T0;
  const clock = { now: () => now, monotonic: () => performance.now() };
  const store = createMemoryResourceStore();
  const ledger = createMemoryLedgerStore();
  let a: InProcessControlPlane;
  let b: InProcessControlPlane;

  beforeAll(async () => {
    // Two processes sharing one store, as replicas or --workers do.
    a = await startControlPlane(store, ledger, { clock });
    b = await startControlPlane(store, ledger, { clock });
    const r = await a.call('POST', '/apply', TEST_ADMIN_TOKEN, setup + '---\n' + grant('short', T0 + HOUR) + '---\n' + grant('long', T0 + 10 * HOUR));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await b.control.sync.refresh();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const expireEntries = async () => (await store.listAudit(0, 1000)).filter((e) => e.action === 'grants.expire');

  it('marks each approved grant past expiresAt expired exactly once, even with several processes sweeping', async () => {
    const logger = pino({ level: 'silent' });
    const sweepers = [startGrantExpiry({ grants: a.control.grants, logger, intervalMs: 3_600_000 }), startGrantExpiry({ grants: b.control.grants, logger, intervalMs: 3_600_000 })];
    try {
      expect(await Promise.all(sweepers.map((s) => s.sweep()))).toEqual([[], []]);
      now = T0 + HOUR + 1;
      const swept = await Promise.all(sweepers.map((s) => s.sweep()));
      expect(swept.flat()).toEqual(['short']);
      const entries = await expireEntries();
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'system:grant-expiry', kind: 'Grant', name: 'short', team: 'research' });
      const read = await a.call('GET', '/grants/short', TEST_ADMIN_TOKEN);
      expect(read.body.status).toMatchObject({ state: 'expired', expiredAt: new Date(now).toISOString() });
      expect((await a.call('GET', '/grants/long', TEST_ADMIN_TOKEN)).body.status.state).toBe('approved');
      // A later sweep (any process) finds nothing more to record.
      await b.control.sync.refresh();
      expect((await Promise.all(sweepers.map((s) => s.sweep()))).flat()).toEqual([]);
      expect(await expireEntries()).toHaveLength(1);
    } finally {
      for (const s of sweepers) await s.close();
    }
  });

  it('a process that lost the race (stale generation) records nothing and does not fail', async () => {
    const stale = await store.get('Grant', 'long');
    now = T0 + 10 * HOUR + 1;
    expect(await a.control.grants.expireDue()).toEqual(['long']);
    const staleStore: ResourceStore = Object.assign(Object.create(store) as ResourceStore, { get: async () => stale });
    // A process that read the row (and its cache) before the other one wrote: its write conflicts.
    const lagging = createGrantService({ ...b.control.serviceDeps, store: staleStore, cached: () => (stale ? [stale] : []) });
    expect(await lagging.expireDue()).toEqual([]);
    expect((await expireEntries()).map((e) => e.name)).toEqual(['short', 'long']);
  });
});
