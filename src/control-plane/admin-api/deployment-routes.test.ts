import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import type { DeploymentStatus } from '../../data-plane/routing/deployment-health.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';

const ROUTING_YAML = `apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: chat}
spec:
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  deployments:
    - {name: chat-primary, provider: simulator, upstreamModel: sim-small, weight: 3}
    - {name: chat-secondary, provider: simulator, upstreamModel: sim-large, weight: 1}
  routing: {strategy: weighted}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec: {provider: simulator, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
`;

const PRIMARY_OPEN: DeploymentStatus = {
  model: 'chat',
  deployment: 'chat-primary',
  state: 'open',
  consecutiveFailures: 5,
  retryAt: Date.UTC(2026, 10, 1, 9, 0, 30),
  inFlight: 2,
  ewmaLatencyMs: 812.345,
  ewmaTtftMs: 120.04,
  successes: 10,
  failures: 7,
  lastError: 'GW_UPSTREAM_ERROR',
  lastSeenAt: Date.UTC(2026, 10, 1, 9, 0, 0),
};

describe('GET /admin/v1/deployments', () => {
  let cp: InProcessControlPlane;
  const health: DeploymentStatus[] = [PRIMARY_OPEN, { ...PRIMARY_OPEN, model: 'gone', deployment: 'old-one', state: 'closed', retryAt: undefined }];

  beforeAll(async () => {
    cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), { deploymentHealth: () => health });
    const r = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, ROUTING_YAML);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterAll(() => cp.close());

  it('lists every configured deployment with its routing settings, joined with this process’s health', async () => {
    const r = await cp.call('GET', '/deployments', TEST_ADMIN_TOKEN);
    expect(r.status).toBe(200);
    const rows = r.body.data as Array<Record<string, unknown>>;
    expect(rows.map((x) => `${x.model}/${x.deployment}`)).toEqual(['chat/chat-primary', 'chat/chat-secondary', 'sim-small/simulator/sim-small', 'gone/old-one']);
    expect(rows[0]).toEqual({
      model: 'chat',
      deployment: 'chat-primary',
      configured: true,
      provider: 'simulator',
      upstreamModel: 'sim-small',
      weight: 3,
      priority: expect.any(Number),
      strategy: 'weighted',
      state: 'open',
      consecutiveFailures: 5,
      retryAt: '2026-11-01T09:00:30.000Z',
      inFlight: 2,
      ewmaLatencyMs: 812.3,
      ewmaTtftMs: 120,
      successes: 10,
      failures: 7,
      lastError: 'GW_UPSTREAM_ERROR',
      lastSeenAt: '2026-11-01T09:00:00.000Z',
    });
    // Never called yet: a closed breaker and no data, but the routing table is there.
    expect(rows[1]).toMatchObject({ deployment: 'chat-secondary', upstreamModel: 'sim-large', weight: 1, state: 'closed', successes: 0, ewmaLatencyMs: null, lastSeenAt: null });
    // Known to the health reader, no longer configured.
    expect(rows[3]).toMatchObject({ configured: false, provider: null, weight: null, failures: 7 });
  });

  it('?model= narrows to one model; an unknown model is a 404 naming it', async () => {
    const one = await cp.call('GET', '/deployments?model=chat', TEST_ADMIN_TOKEN);
    expect(one.body.data.map((x: { deployment: string }) => x.deployment)).toEqual(['chat-primary', 'chat-secondary']);
    const missing = await cp.call('GET', '/deployments?model=nope', TEST_ADMIN_TOKEN);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('GW_RESOURCE_NOT_FOUND');
    expect(missing.body.error.message).toContain('"nope"');
  });

  it('a weight applied at runtime shows at once', async () => {
    const r = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, ROUTING_YAML.replace('weight: 3', 'weight: 0'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const one = await cp.call('GET', '/deployments?model=chat', TEST_ADMIN_TOKEN);
    expect(one.body.data[0]).toMatchObject({ deployment: 'chat-primary', weight: 0, state: 'open' });
  });

  it('is in the OpenAPI document', async () => {
    const r = await cp.call('GET', '/openapi.json', undefined);
    expect(r.body.paths['/admin/v1/deployments'].get.summary).toContain('circuit breaker');
  });
});
