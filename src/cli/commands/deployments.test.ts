import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { harness } from '../../../test/helpers/cli-harness.js';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import type { DeploymentStatus } from '../../data-plane/routing/deployment-health.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { ArgsError } from '../args.js';
import type { CliContext } from '../context.js';
import { deploymentsVerb } from './deployments.js';

const YAML = `apiVersion: gantry/v1alpha1
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
    - {name: chat-primary, provider: simulator, upstreamModel: sim-small}
    - {name: chat-secondary, provider: simulator, upstreamModel: sim-small, weight: 4}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-large}
spec: {provider: simulator, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}
`;

const PRIMARY: DeploymentStatus = {
  model: 'chat',
  deployment: 'chat-primary',
  state: 'open',
  consecutiveFailures: 3,
  retryAt: Date.UTC(2026, 10, 1, 9, 0, 10),
  inFlight: 1,
  ewmaLatencyMs: 41.6,
  ewmaTtftMs: 12.2,
  successes: 2,
  failures: 3,
  lastError: 'GW_UPSTREAM_ERROR',
  lastSeenAt: Date.UTC(2026, 10, 1, 9, 0, 0),
};

describe('gantry deployments (against a real admin API)', () => {
  let cp: InProcessControlPlane;
  let out = '';
  let err = '';
  let ctx: CliContext;

  beforeAll(async () => {
    cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), { deploymentHealth: () => [PRIMARY] });
    expect((await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, YAML)).status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'gantry-deployments-cli-'));
    ctx = {
      env: { XDG_CONFIG_HOME: join(dir, 'config'), GANTRY_URL: cp.url, GANTRY_TOKEN: TEST_ADMIN_TOKEN },
      cwd: dir,
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      fetch: globalThis.fetch,
      now: () => Date.now(),
      readStdin: async () => '',
    };
  });
  afterAll(() => cp.close());

  it('prints one line per deployment: breaker state and health, never-called ones as closed with no data', async () => {
    out = '';
    expect(await deploymentsVerb.run([], ctx)).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+DEPLOYMENT\s+STATE\s+WEIGHT\s+IN-FLIGHT\s+LATENCY\(ms\)\s+TTFT\(ms\)\s+OK\s+FAIL\s+LAST-ERROR$/);
    expect(lines[1]).toMatch(/^chat\s+chat-primary\s+open\s+1\s+1\s+42\s+12\s+2\s+3\s+GW_UPSTREAM_ERROR$/);
    expect(lines[2]).toMatch(/^chat\s+chat-secondary\s+closed\s+4\s+0\s+-\s+-\s+0\s+0\s+-$/);
    expect(lines[3]).toMatch(/^sim-large\s+simulator\/sim-large\s+closed\s/);
    expect(lines).toHaveLength(4);
  });

  it('--model narrows; -o json and -o yaml print every field', async () => {
    out = '';
    await deploymentsVerb.run(['--model', 'chat', '-o', 'json'], ctx);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.deployment)).toEqual(['chat-primary', 'chat-secondary']);
    expect(rows[0]).toMatchObject({ upstreamModel: 'sim-small', retryAt: '2026-11-01T09:00:10.000Z', consecutiveFailures: 3 });
    out = '';
    await deploymentsVerb.run(['--model', 'sim-large', '-o', 'yaml'], ctx);
    expect(parse(out)).toEqual([expect.objectContaining({ model: 'sim-large', state: 'closed', provider: 'simulator' })]);
  });

  it('an unknown model fails with the server message', async () => {
    await expect(deploymentsVerb.run(['--model', 'nope'], ctx)).rejects.toThrow(/Model "nope" does not exist/);
  });

  it('rejects bad arguments before calling the server', async () => {
    const h = harness(() => Response.json({ data: [] }));
    await expect(h.run(deploymentsVerb, ['-o', 'wide'])).rejects.toThrow(ArgsError);
    await expect(h.run(deploymentsVerb, ['chat'])).rejects.toThrow(/--model/);
    expect(h.calls).toHaveLength(0);
    await h.run(deploymentsVerb, ['--model', 'x']);
    expect(h.calls[0]?.query.get('model')).toBe('x');
    expect(h.err()).toContain('No deployments');
    expect(err).toBe('');
  });
});
