import type { DetectorRule, Finding } from './types.js';

/**
 * Secret detectors. Patterns are anchored by lookbehinds and have bounded quantifiers (linear on
 * hostile input); matchAll copies each regex, so the module constants carry no lastIndex state.
 *
 * High entropy, the trade-off: a token of >= 20 base64/base64url characters with upper, lower and at
 * least two digits whose Shannon entropy is near that of a random string of its length is flagged.
 * Hex-only tokens (git SHAs, checksums, UUIDs) are flagged only right after a key-like word (key,
 * secret, token, password…): hashes people discuss are common and harmless, so a bare hex API key
 * is missed unless it is labelled. camelCase identifiers and paths rarely have two digits and random
 * spread, so they stay below the bar.
 */
export type SecretRule = Extract<DetectorRule, `secret.${string}`>;
export const SECRET_RULES: readonly SecretRule[] = [
  'secret.aws_key',
  'secret.gcp_key',
  'secret.github_token',
  'secret.slack_token',
  'secret.private_key',
  'secret.bearer_token',
  'secret.jwt',
  'secret.high_entropy',
];

const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
/** An AWS secret access key is 40 base64 characters: only taken as one after an aws/secret label. */
const AWS_SECRET = /(?:aws|secret)[\w.-]{0,30}?\s*["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const GCP_KEY = /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g;
const GITHUB = /(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])/g;
const SLACK = /(?<![\w-])xox[baprs]-[A-Za-z0-9-]{10,250}(?![\w-])/g;
const BEARER = /\bbearer\s{1,8}([A-Za-z0-9\-._~+/]{16,4096}=*)/gi;
const JWT = /(?<![\w-])(eyJ[A-Za-z0-9_-]{5,4096})\.([A-Za-z0-9_-]{2,16384})\.([A-Za-z0-9_-]{10,4096})(?![\w-])/g;
const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
/** An unterminated PEM block is redacted over at most this much of its body (truncated pastes, stream tails). */
export const PEM_OPEN_BODY_MAX = 16_384;
const TOKEN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,1024}={0,2}(?![A-Za-z0-9+/=_-])/g;
const KEY_LABEL = /(?:key|secret|token|passw(?:or)?d|pwd|credential|auth)[\w"' ]{0,12}[:= ]\s*["']?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function detectSecrets(text: string, rules: ReadonlySet<DetectorRule> = new Set(SECRET_RULES)): Finding[] {
  const out: Finding[] = [];
  if (rules.has('secret.aws_key')) {
    for (const m of text.matchAll(AWS_KEY_ID)) out.push(span('secret.aws_key', m.index, m[0].length));
    for (const m of text.matchAll(AWS_SECRET)) {
      const secret = m[1]!;
      if (/[A-Z]/.test(secret) && /[a-z]/.test(secret) && /\d/.test(secret)) out.push(span('secret.aws_key', m.index + m[0].length - secret.length, secret.length));
    }
  }
  if (rules.has('secret.gcp_key')) for (const m of text.matchAll(GCP_KEY)) out.push(span('secret.gcp_key', m.index, m[0].length));
  if (rules.has('secret.github_token')) for (const m of text.matchAll(GITHUB)) out.push(span('secret.github_token', m.index, m[0].length));
  if (rules.has('secret.slack_token')) {
    // Real tokens carry numeric team/user ids; "xoxb-your-token" placeholders do not.
    for (const m of text.matchAll(SLACK)) if ((m[0].match(/\d/g)?.length ?? 0) >= 6) out.push(span('secret.slack_token', m.index, m[0].length));
  }
  if (rules.has('secret.private_key')) out.push(...pemBlocks(text));
  if (rules.has('secret.jwt')) {
    for (const m of text.matchAll(JWT)) if (jwtHeaderHasAlg(m[1]!)) out.push(span('secret.jwt', m.index, m[0].length));
  }
  if (rules.has('secret.bearer_token')) {
    for (const m of text.matchAll(BEARER)) {
      const token = m[1]!;
      // "Bearer authentication scheme" is prose; a token has digits or is a JWT.
      if (/\d/.test(token) && /[A-Za-z]/.test(token)) out.push(span('secret.bearer_token', m.index + m[0].length - token.length, token.length));
    }
  }
  if (rules.has('secret.high_entropy')) {
    for (const m of text.matchAll(TOKEN)) {
      const bits = highEntropyBits(m[0], text, m.index);
      if (bits !== undefined) out.push({ rule: 'secret.high_entropy', start: m.index, end: m.index + m[0].length, score: Math.round(bits * 100) / 100 });
    }
  }
  return out;
}

function span(rule: DetectorRule, start: number, length: number): Finding {
  return { rule, start, end: start + length };
}

/** BEGIN headers paired with the next END (two linear passes, never a rescan per header). */
function pemBlocks(text: string): Finding[] {
  const ends = [...text.matchAll(PEM_END)].map((m) => m.index + m[0].length);
  const out: Finding[] = [];
  let e = 0;
  let coveredTo = -1;
  for (const m of text.matchAll(PEM_BEGIN)) {
    if (m.index < coveredTo) continue;
    while (e < ends.length && ends[e]! <= m.index) e++;
    const headerEnd = m.index + m[0].length;
    const end = ends[e] ?? openBodyEnd(text, headerEnd);
    out.push({ rule: 'secret.private_key', start: m.index, end });
    coveredTo = end;
  }
  return out;
}

/** End of the base64 body after an unterminated header (bounded). */
function openBodyEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + PEM_OPEN_BODY_MAX);
  let i = from;
  for (; i < limit; i++) {
    const c = text.charCodeAt(i);
    const base64 = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
    const space = c === 10 || c === 13 || c === 32 || c === 9 || c === 58 || c === 44 || c === 45; // headers like Proc-Type: 4,ENCRYPTED
    if (!base64 && !space) break;
  }
  return i;
}

function jwtHeaderHasAlg(part: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

export function shannonBits(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Bits per character when the token looks random enough to be a credential, else undefined. */
function highEntropyBits(token: string, text: string, at: number): number | undefined {
  if (UUID.test(token)) return undefined;
  const bits = shannonBits(token);
  const hexOnly = /^[0-9a-fA-F-]+$/.test(token);
  if (hexOnly) {
    const labelled = KEY_LABEL.test(text.slice(Math.max(0, at - 24), at));
    return labelled && token.length >= 24 && bits >= 3.2 ? bits : undefined;
  }
  let digits = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits < 2 || !/[A-Z]/.test(token) || !/[a-z]/.test(token)) return undefined;
  // Paths and dotted/kebab names: many separators means words, not a key.
  if ((token.match(/[/_-]/g)?.length ?? 0) > token.length / 8) return undefined;
  return bits >= randomBitsFloor(token.length) ? bits : undefined;
}

/**
 * Entropy a random base64-ish string of this length reaches, less a margin: short random strings
 * repeat characters, so their entropy is below log2(alphabet); ≈ log2(n) − n/(2·k·ln 2) for k = 62.
 */
export function randomBitsFloor(n: number): number {
  const k = 62;
  return Math.min(Math.log2(n) - n / (2 * k * Math.LN2), Math.log2(k)) - 0.5;
}
