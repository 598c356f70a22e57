/**
 * The simulator's model catalogue: realistic speeds so demos and tests feel like a real upstream.
 * Any other model name is served with the `sim-small` profile, so the simulator can stand in for
 * any upstream (e.g. the benchmark sends "gpt-4o-mini").
 */
export interface SimModelProfile {
  readonly name: string;
  readonly kind: 'chat' | 'embedding';
  /** Time to first token, ms. */
  readonly ttftMs: number;
  /** Generation speed, tokens per second. */
  readonly tokensPerSecond: number;
  /** Typical reply length range in tokens (the seed picks within it). */
  readonly replyTokens: readonly [number, number];
  /** Embedding dimensions (embedding models). */
  readonly dimensions: number;
  readonly contextWindow: number;
}

export const SIM_MODELS: readonly SimModelProfile[] = [
  { name: 'sim-small', kind: 'chat', ttftMs: 120, tokensPerSecond: 150, replyTokens: [12, 60], dimensions: 0, contextWindow: 128_000 },
  { name: 'sim-large', kind: 'chat', ttftMs: 400, tokensPerSecond: 50, replyTokens: [30, 120], dimensions: 0, contextWindow: 200_000 },
  // Answers with the last user message verbatim (stream and non-stream): proves what reached the upstream.
  { name: 'sim-echo', kind: 'chat', ttftMs: 20, tokensPerSecond: 1000, replyTokens: [0, 0], dimensions: 0, contextWindow: 128_000 },
  { name: 'sim-embed', kind: 'embedding', ttftMs: 15, tokensPerSecond: 0, replyTokens: [0, 0], dimensions: 256, contextWindow: 8_192 },
];

const BY_NAME = new Map(SIM_MODELS.map((m) => [m.name, m]));
const DEFAULT_CHAT = BY_NAME.get('sim-small') as SimModelProfile;
const DEFAULT_EMBED = BY_NAME.get('sim-embed') as SimModelProfile;

export function chatProfile(model: string): SimModelProfile {
  const p = BY_NAME.get(model);
  return p && p.kind === 'chat' ? p : DEFAULT_CHAT;
}

export function embeddingProfile(model: string): SimModelProfile {
  const p = BY_NAME.get(model);
  return p && p.kind === 'embedding' ? p : DEFAULT_EMBED;
}
