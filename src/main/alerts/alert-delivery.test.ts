import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import type { ResourceStore } from '../../storage/ports/resource-store.js';
import { openSqliteResourceStore } from '../../storage/sql/sqlite.js';
import { type AlertMessage, telemetryChannels } from '../../telemetry/channels.js';
import { type AlertDelivery, createAlertDelivery } from './alert-delivery.js';
import { createAlertAuditRecorder } from './audit-recorder.js';

const budgetAlert: AlertMessage = {
  type: 'budget_threshold',
  id: 'budget_threshold:team-a-monthly:2026-11:80',
  at: Date.UTC(2026, 10, 20, 10),
  subject: 'team-a-monthly',
  window: '2026-11',
  thresholdPercent: 80,
  spentMicros: 40_000_000,
  referenceMicros: 50_000_000,
  enforcement: 'hard',
  summary: 'Budget team-a-monthly has used 80% of $50.00.',
};
const anomaly: AlertMessage = {
  type: 'spend_anomaly',
  id: 'spend_anomaly:team:team-b:2026-11-20',
  at: Date.UTC(2026, 10, 20, 11),
  subject: 'team:team-b',
  window: '2026-11-20',
  spentMicros: 9_000_000,
  referenceMicros: 1_000_000,
  summary: 'Team team-b has spent $9.00 today, 9.0× its 7-day daily average of $1.00.',
};

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function deliver(store: Pick<ResourceStore, 'commit'>, webhookUrl?: string, auditFlushMs = 20): AlertDelivery {
  const delivery = createAlertDelivery({
    channels: telemetryChannels(),
    store,
    clock: systemClock,
    logger: silentLogger,
    settings: { alertWebhook: webhookUrl ? { url: webhookUrl, secret: 'whsec', format: 'gantry' } : undefined },
    auditFlushMs,
  });
  cleanups.push(() => delivery.close());
  return delivery;
}

describe('alert delivery', () => {
  for (const [name, open] of [
    ['memory', async () => createMemoryResourceStore()],
    ['sqlite', () => openSqliteResourceStore(join(mkdtempSync(join(tmpdir(), 'gantry-alerts-')), 'gantry.db'))],
  ] as const) {
    it(`writes every alert to the audit log as alert.<type> (${name} store), changing no resource`, async () => {
      const store = await open();
      cleanups.push(() => store.close());
      deliver(store);
      const channels = telemetryChannels();
      channels.alert.publish(budgetAlert);
      channels.alert.publish(anomaly);
      await until(async () => (await store.listAudit(0, 10)).length === 2);
      const [first, second] = await store.listAudit(0, 10);
      expect(first).toMatchObject({ actor: 'system:alerts', action: 'alert.budget_threshold', kind: 'Budget', name: 'team-a-monthly', outcome: 'ok', ts: budgetAlert.at });
      expect(first!.after).toEqual({
        id: budgetAlert.id,
        subject: 'team-a-monthly',
        window: '2026-11',
        thresholdPercent: 80,
        enforcement: 'hard',
        spentMicros: 40_000_000,
        referenceMicros: 50_000_000,
        summary: budgetAlert.summary,
      });
      expect(second).toMatchObject({ action: 'alert.spend_anomaly', kind: 'Team', name: 'team-b', team: 'team-b' });
      expect(second!.prevHash).toBe(first!.hash);
      expect(await store.revision()).toBe(0);
    });
  }

  it('also POSTs each alert to the webhook when one is configured', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const store = createMemoryResourceStore();
    deliver(store, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    telemetryChannels().alert.publish(anomaly);
    await until(() => bodies.length === 1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ id: anomaly.id, type: 'spend_anomaly', subject: 'team:team-b', spentUsd: '9.000000' });
  });

  it('keeps alerts while the store fails and writes each once when it is back; the publisher never sees the failure', async () => {
    const store = createMemoryResourceStore();
    let failing = 3;
    const flaky: Pick<ResourceStore, 'commit'> = {
      commit: (writes, audit) => (failing-- > 0 ? Promise.reject(new Error('database is down')) : store.commit(writes, audit)),
    };
    deliver(flaky, undefined, 5);
    expect(() => telemetryChannels().alert.publish(budgetAlert)).not.toThrow();
    telemetryChannels().alert.publish(anomaly);
    await until(async () => (await store.listAudit(0, 10)).length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect((await store.listAudit(0, 10)).map((e) => e.action)).toEqual(['alert.budget_threshold', 'alert.spend_anomaly']);
  });

  it('close() writes the queued entries at once and stops listening', async () => {
    const store = createMemoryResourceStore();
    const delivery = deliver(store, undefined, 60_000);
    telemetryChannels().alert.publish(budgetAlert);
    expect(await store.listAudit(0, 10)).toHaveLength(0);
    await delivery.close();
    expect(await store.listAudit(0, 10)).toHaveLength(1);
    telemetryChannels().alert.publish(anomaly);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.listAudit(0, 10)).toHaveLength(1);
  });

  it('bounds what it keeps while the store is unreachable: the oldest entries are dropped', async () => {
    const store = createMemoryResourceStore();
    let down = true;
    const recorder = createAlertAuditRecorder({
      store: { commit: (w, a) => (down ? Promise.reject(new Error('down')) : store.commit(w, a)) },
      logger: silentLogger,
      flushMs: 60_000,
      maxQueue: 2,
    });
    for (const id of ['a1', 'a2', 'a3']) recorder.record({ ...budgetAlert, id });
    await recorder.flush();
    down = false;
    await recorder.close();
    expect((await store.listAudit(0, 10)).map((e) => (e.after as { id: string }).id)).toEqual(['a2', 'a3']);
  });
});
