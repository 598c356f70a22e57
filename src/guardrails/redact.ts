import type { Finding } from './types.js';

/** Replaces each finding with `[REDACTED:<rule>]`; overlapping findings merge into one (the earliest's rule). */
export function redact(text: string, findings: readonly Finding[]): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].filter((f) => f.end > f.start).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let end = first.end;
    for (i++; i < sorted.length && sorted[i]!.start < end; i++) end = Math.max(end, sorted[i]!.end);
    out += text.slice(at, first.start) + `[REDACTED:${first.rule}]`;
    at = end;
  }
  return out + text.slice(at);
}

export type Detect = (text: string) => Finding[];

export interface StreamRedactor {
  /** Text that is safe to send now (may be empty while text is held back). */
  push(chunk: string): string;
  /** Everything still held, redacted: call once when the upstream stream ends. */
  end(): string;
}

/** Held-back characters by default: longer than every single-token-free pattern (spaced cards, IBANs, phones, labels). */
export const DEFAULT_HOLD_BACK = 256;
/** A single run of non-space characters is held whole up to this size (long JWTs, bearer tokens). */
const MAX_TOKEN_HOLD = 16_384;
/** Detection runs once this much beyond the hold-back has arrived (tiny chunks would rescan the window each time). */
const MIN_RELEASE = 64;
/** Already-sent characters kept as context for labels and lookbehinds ("Bearer ", "aws_secret_access_key = "). */
const CONTEXT_CHARS = 64;

/**
 * Streaming redaction for output guardrails. Each push detects over (already-sent context + held
 * text + chunk) and releases only text that can no longer become part of a finding:
 * - the last `holdBackChars` characters stay held (a pattern spanning several words, like a spaced
 *   card number or "aws_secret_access_key = …", must be complete before any of it leaves);
 * - the release point never falls inside a run of non-space characters (a token secret of any
 *   length up to 16 KB — JWTs, GitHub tokens — is sent whole-redacted or not at all);
 * - nor inside a finding that reaches past it (an unterminated PEM block is a finding up to the end
 *   of its base64 body, so the block is held until its END line or 16 KB; see secrets.ts).
 * So the bound is: a finding is never split as long as its multi-word part is ≤ holdBackChars and
 * each of its tokens ≤ 16 KB. The last 64 sent characters are kept only so labels and lookbehinds
 * ("Bearer ", "secret=") still see what came before; they are never sent twice. Detection runs when
 * 64 characters beyond the hold-back have arrived, so the cost is about (hold-back + 128) scanned
 * characters per 64 released, whatever the chunk size. `onRedact` hears the findings of each
 * released part (its evidence: what this redactor replaced, not markers already in the text).
 */
export function createStreamRedactor(detect: Detect, holdBackChars: number = DEFAULT_HOLD_BACK, onRedact?: (findings: readonly Finding[]) => void): StreamRedactor {
  let sentTail = '';
  let held = '';

  const release = (final: boolean): string => {
    const window = sentTail + held;
    const offset = sentTail.length;
    const findings = detect(window);
    let cut = final ? held.length : safeCut(held, holdBackChars);
    // A finding still open at the cut (or ending right at it, and so possibly longer) holds from its
    // start; repeat, since moving the cut back can put it inside an earlier finding.
    for (let moved = !final; moved; ) {
      moved = false;
      for (const f of findings) {
        if (f.start - offset < cut && f.end - offset >= cut && cut > 0) {
          cut = Math.max(0, f.start - offset);
          moved = true;
        }
      }
    }
    if (cut <= 0) return '';
    const part = held.slice(0, cut);
    const local = findings
      .map((f) => ({ ...f, start: Math.max(0, f.start - offset), end: Math.min(cut, f.end - offset) }))
      .filter((f) => f.end > f.start && f.end > 0);
    if (onRedact && local.length > 0) onRedact(local);
    const out = redact(part, local);
    sentTail = (sentTail + part).slice(-CONTEXT_CHARS);
    held = held.slice(cut);
    return out;
  };

  return {
    push(chunk) {
      held += chunk;
      if (held.length < holdBackChars + MIN_RELEASE) return '';
      return release(false);
    },
    end() {
      return release(true);
    },
  };
}

/** Release point: `holdBack` before the end, moved back to a whitespace boundary and off a surrogate pair. */
function safeCut(held: string, holdBack: number): number {
  let cut = held.length - holdBack;
  if (cut <= 0) return 0;
  const floor = Math.max(0, cut - MAX_TOKEN_HOLD);
  while (cut > floor && !isSpace(held.charCodeAt(cut - 1)) && !isSpace(held.charCodeAt(cut))) cut--;
  const c = held.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return cut;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12;
}
