import type { RunningGateway } from '../../../src/main/gateway.js';
import { startInProcessGateway as startGateway } from '../../helpers/in-process-gateway.js';

export const CONFORMANCE_ADMIN_TOKEN = 'gat_conformance_admin_token_0123';

/** The shared in-process gateway (test/helpers) with the conformance admin token. */
export async function startInProcessGateway(options: { config: string; key: string; env?: Record<string, string> }): Promise<RunningGateway> {
  return (await startGateway({ ...options, adminToken: CONFORMANCE_ADMIN_TOKEN })).gateway;
}

/** The ledger's usage event of a request, polled through the admin API (usage is written in batches). */
export async function ledgerEvent(gateway: RunningGateway, requestId: string | null): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${gateway.url}/admin/v1/usage/events?requestId=${requestId}`, { headers: { authorization: `Bearer ${CONFORMANCE_ADMIN_TOKEN}` } });
    const event = ((await r.json()) as { data: Record<string, unknown>[] }).data[0];
    if (event) return event;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no usage event for ${requestId}`);
}

/** The gantry.yaml of the suites that run against the fake Anthropic upstream. */
export const ANTHROPIC_UPSTREAM_CONFIG = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: claude}
spec: {type: anthropic, baseUrl: {fromEnv: ANTHROPIC_BASE}, apiKey: {fromEnv: ANTHROPIC_KEY}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sonnet}
spec:
  provider: claude
  upstreamModel: claude-sonnet-4-5
  pricing: {inputPer1M: "3.00", cachedInputPer1M: "0.30", cacheWritePer1M: "3.75", outputPer1M: "15.00"}
`;
