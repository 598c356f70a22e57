import type { RateState } from '../../storage/ports/counter-store.js';

const seconds = (ms: number) => `${Math.max(0, Math.ceil(ms / 100) / 10)}s`;

function tightest(states: readonly RateState[], suffix: string): RateState | undefined {
  let best: RateState | undefined;
  for (const s of states) if (s.key.endsWith(suffix) && (!best || s.remaining < best.remaining)) best = s;
  return best;
}

/** OpenAI-style x-ratelimit-* headers for the most constraining requests and tokens limits in scope. */
export function rateLimitHeaders(states: readonly RateState[]): Record<string, string> | undefined {
  const requests = tightest(states, ':rpm');
  const tokens = tightest(states, ':tpm');
  if (!requests && !tokens) return undefined;
  const h: Record<string, string> = {};
  if (requests) {
    h['x-ratelimit-limit-requests'] = String(requests.limit);
    h['x-ratelimit-remaining-requests'] = String(requests.remaining);
    h['x-ratelimit-reset-requests'] = seconds(requests.resetMs);
  }
  if (tokens) {
    h['x-ratelimit-limit-tokens'] = String(tokens.limit);
    h['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
    h['x-ratelimit-reset-tokens'] = seconds(tokens.resetMs);
  }
  return h;
}
