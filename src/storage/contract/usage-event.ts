import type { UsageEvent } from '../../kernel/types.js';

/** A complete usage event for tests; override what a test is about. */
export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId: 'req_1',
    ts: 1_700_000_000_000,
    endpoint: 'chat.completions',
    keyId: 'key_1',
    team: 'team-a',
    user: 'alice',
    agent: 'support-bot',
    workflow: undefined,
    run: 'run-9',
    tags: { repo: 'web' },
    model: 'sim-small',
    route: 'simulator/sim-small',
    provider: 'simulator',
    stream: true,
    inputTokens: 12,
    cachedInputTokens: 2,
    cacheWriteInputTokens: 0,
    outputTokens: 30,
    usageEstimated: false,
    costMicros: 21,
    savingsMicros: 4,
    priceVersion: 'pt-abc',
    latencyMs: 12.5,
    ttftMs: 3.25,
    status: 200,
    errorCode: undefined,
    outcome: 'completed',
    upstreamStatus: undefined,
    ...overrides,
  };
}
