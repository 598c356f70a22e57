import { describe, expect, it } from 'vitest';
import { createStreamRedactor, redact } from './redact.js';
import { scan } from './scan.js';
import type { DetectorRule } from './types.js';

const all = new Set<DetectorRule>(['pii.email', 'pii.credit_card', 'pii.phone', 'secret.aws_key', 'secret.github_token', 'secret.private_key', 'secret.jwt', 'secret.bearer_token', 'secret.high_entropy']);
const detect = (text: string) => scan(text, { rules: all, keywords: [], injectionThreshold: 1 });

/** Streams `text` in chunks of `size` and returns what the client receives (joined) and each part sent. */
function streamed(text: string, size: number, holdBack?: number): { out: string; parts: string[] } {
  const r = createStreamRedactor(detect, holdBack);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(r.push(text.slice(i, i + size)));
  parts.push(r.end());
  return { out: parts.join(''), parts };
}

describe('redact', () => {
  it('replaces findings with the rule and merges overlaps', () => {
    expect(redact('mail a@b.io now', [{ rule: 'pii.email', start: 5, end: 11 }])).toBe('mail [REDACTED:pii.email] now');
    expect(
      redact('0123456789', [
        { rule: 'secret.jwt', start: 2, end: 6 },
        { rule: 'secret.bearer_token', start: 4, end: 8 },
        { rule: 'pii.email', start: 9, end: 10 },
      ]),
    ).toBe('01[REDACTED:secret.jwt]8[REDACTED:pii.email]');
    expect(redact('same', [])).toBe('same');
  });
});

describe('stream redactor', () => {
  const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const text = `Here is the token ${secret} and mail jane@example.com, card 4111 1111 1111 1111. ${'filler words '.repeat(40)}end`;
  const whole = redact(text, detect(text));

  it('gives the same text as redacting the whole answer, for every chunk size', () => {
    for (const size of [1, 2, 3, 7, 16, 64, 1000]) expect(streamed(text, size).out).toBe(whole);
  });

  it('never lets any part of a secret split across chunks leave', () => {
    for (const size of [1, 5, 13]) {
      const { parts } = streamed(text, size);
      for (const part of parts) {
        expect(part).not.toContain('ghp_');
        expect(part).not.toContain('jane@');
        expect(part).not.toMatch(/4111|abcdefghij/);
      }
    }
  });

  it('releases text as it goes (only the hold-back is kept)', () => {
    const { parts } = streamed(text, 16, 64);
    const early = parts.slice(0, -1).join('');
    expect(early.length).toBeGreaterThan(text.length - 64 - 400);
  });

  it('holds a token longer than the hold-back (a JWT) whole', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256' })}.${b64({ sub: 'x'.repeat(600) })}.${'s1G'.repeat(120)}`;
    const { out, parts } = streamed(`jwt: ${jwt} done ${'x '.repeat(200)}`, 10, 64);
    expect(out).toContain('[REDACTED:secret.jwt]');
    for (const part of parts) expect(part).not.toContain('eyJ');
  });

  it('holds a PEM block until its END line even when far longer than the hold-back', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n'.repeat(60);
    const pem = `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----`;
    const { out, parts } = streamed(`key:\n${pem}\nbye ${'word '.repeat(100)}`, 20);
    expect(out.startsWith('key:\n[REDACTED:secret.private_key]\nbye')).toBe(true);
    for (const part of parts) expect(part).not.toContain('MIIEvQ');
  });

  it('redacts a labelled secret ("aws_secret_access_key =" then the key) arriving in small chunks', () => {
    const { out } = streamed(`aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok ${'z '.repeat(400)}`, 8);
    expect(out).toContain('aws_secret_access_key = [REDACTED:secret.aws_key] ok');
  });
});
