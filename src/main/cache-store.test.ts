import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ledgerEvent, startInProcessGateway } from '../../test/conformance/helpers/in-process-gateway.js';
import type { RunningGateway } from './gateway.js';

const KEY = 'gk_cache_wiring_key_0123456789abcdefghij';
const CONFIG = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec:
  provider: simulator
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  cache:
    exact: {ttlSeconds: 600}
`;

let gateway: RunningGateway | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// The composition root wires the response cache to the configured store (the data plane's tests cover
// the cache itself): a repeat is a hit at $0 in the ledger, with the first answer's cost as saving.
describe.each(['memory', 'sqlite'])('the gateway with GANTRY_CACHE=%s', (kind) => {
  it('answers a repeated request from the cache, metered at $0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-cache-wiring-'));
    dirs.push(dataDir);
    gateway = await startInProcessGateway({ config: CONFIG, key: KEY, env: { GANTRY_CACHE: kind, GANTRY_DATA_DIR: dataDir } });
    const ask = () =>
      fetch(`${gateway!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'Cache me' }], temperature: 0 }),
      });
    const first = await ask();
    expect(first.headers.get('x-gantry-cache')).toBe('miss');
    const firstBody = await first.text();
    const second = await ask();
    expect(second.headers.get('x-gantry-cache')).toBe('hit');
    expect(second.headers.get('x-gantry-cost-usd')).toBe('0.000000');
    expect(JSON.parse(await second.text()).choices).toEqual(JSON.parse(firstBody).choices);
    const paid = await ledgerEvent(gateway, first.headers.get('x-gantry-request-id'));
    const saved = await ledgerEvent(gateway, second.headers.get('x-gantry-request-id'));
    expect(paid).toMatchObject({ cache: 'miss' });
    expect(saved).toMatchObject({ cache: 'hit', costMicros: 0, savingsMicros: paid.costMicros });
    expect(existsSync(join(dataDir, 'cache.db'))).toBe(kind === 'sqlite');
  });
});
