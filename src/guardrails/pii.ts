import { codeFenceRanges, insideAny, isDigitAt } from './text-ranges.js';
import type { DetectorRule, Finding } from './types.js';

/**
 * PII detectors: email, phone, credit card, IBAN, US SSN, IP addresses. Every pattern has bounded
 * quantifiers and a lookbehind anchoring it at a token start, so a hostile 1 MB input costs a
 * bounded amount of work per position (linear), never catastrophic backtracking. Regexes are matched
 * with matchAll (which copies them), so the module-level constants keep no lastIndex state.
 */
export interface PiiOptions {
  /** Skip emails inside fenced ``` code blocks (code samples where addresses are placeholders). */
  readonly skipCode?: boolean;
}

export type PiiRule = Extract<DetectorRule, `pii.${string}`>;
export const PII_RULES: readonly PiiRule[] = ['pii.email', 'pii.phone', 'pii.credit_card', 'pii.iban', 'pii.us_ssn', 'pii.ip_address'];

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** E.164 (+ and 8-15 digits, single separators) and common national formats with consistent separators. */
const PHONE_INTL = /(?<![\w+])\+[1-9](?:[ .-]?\(?\d\)?){7,14}(?![\w])/g;
const PHONE_US = /(?<![\w.+-])(?:\(\d{3}\) ?|\d{3}([-. ]))\d{3}(?:\1|[-. ])\d{4}(?![\w]|[.-]\d)/g;
/** European national numbers: trunk prefix 0, groups of 2-4 digits separated by spaces (e.g. 020 7946 0958, 06 12 34 56 78). */
const PHONE_NATIONAL = /(?<![\w.+-])0\d{1,4}(?: \d{2,4}){2,4}(?![\w]|[.-]\d)/g;
/** Words before a number that make it something other than a phone (order ids, invoices, versions). */
const NOT_PHONE_CONTEXT = /(?:order|invoice|ref|reference|tracking|id|no\.|number|#|version|v|isbn|sku|account|acct|po)\s*[:#]?\s*$/i;
const PHONE_CONTEXT = /(?:phone|tel|call|mobile|cell|fax|whatsapp|sms|text|reach|contact)\b[^\n]{0,24}$/i;

const CARD = /(?<![A-Za-z0-9_-])\d(?:[ -]?\d){12,18}(?![\d]|-\d)/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

export function detectPii(text: string, options: PiiOptions = {}, rules: ReadonlySet<DetectorRule> = new Set(PII_RULES)): Finding[] {
  const out: Finding[] = [];
  if (rules.has('pii.email')) {
    const code = options.skipCode ? codeFenceRanges(text) : [];
    for (const m of text.matchAll(EMAIL)) {
      if (code.length > 0 && insideAny(code, m.index)) continue;
      out.push({ rule: 'pii.email', start: m.index, end: m.index + m[0].length });
    }
  }
  if (rules.has('pii.iban')) pushAll(out, text, IBAN, 'pii.iban', (s) => isIban(s.replace(/ /g, '')));
  // Digits inside an IBAN can pass Luhn by chance: the IBAN is the finding.
  if (rules.has('pii.credit_card')) pushAll(out, text, CARD, 'pii.credit_card', (s, at) => isCard(s) && !out.some((f) => f.start < at + s.length && at < f.end));
  if (rules.has('pii.us_ssn')) pushAll(out, text, SSN, 'pii.us_ssn', (s) => isSsn(s.replace(/[- ]/g, '')));
  if (rules.has('pii.ip_address')) {
    pushAll(out, text, IPV4, 'pii.ip_address', (s, at) => isIpv4(s) && !/(?:version|ver|release|build)\s*$/i.test(text.slice(Math.max(0, at - 12), at)));
    pushAll(out, text, IPV6, 'pii.ip_address', (s) => isIpv6(s));
  }
  if (rules.has('pii.phone')) {
    const phones: Finding[] = [];
    pushAll(phones, text, PHONE_INTL, 'pii.phone', (s) => digitCount(s) >= 8 && digitCount(s) <= 15);
    pushAll(phones, text, PHONE_US, 'pii.phone', (s, at) => !notPhoneContext(text, at) && s[0] !== '0' && s[0] !== '1');
    pushAll(phones, text, PHONE_NATIONAL, 'pii.phone', (s, at) => digitCount(s) >= 9 && digitCount(s) <= 12 && !notPhoneContext(text, at) && PHONE_CONTEXT.test(text.slice(Math.max(0, at - 40), at)));
    // A number that is already a card, SSN or IBAN is not also a phone.
    for (const p of phones) if (!out.some((f) => f.start < p.end && p.start < f.end)) out.push(p);
  }
  return out;
}

function pushAll(out: Finding[], text: string, re: RegExp, rule: DetectorRule, accept: (match: string, at: number) => boolean): void {
  for (const m of text.matchAll(re)) {
    if (accept(m[0], m.index)) out.push({ rule, start: m.index, end: m.index + m[0].length });
  }
}

function notPhoneContext(text: string, at: number): boolean {
  return NOT_PHONE_CONTEXT.test(text.slice(Math.max(0, at - 16), at)) || (at > 0 && isDigitAt(text, at - 2) && text[at - 1] === '/');
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isDigitAt(s, i)) n++;
  return n;
}

/** 13-19 digits, one kind of separator at most, Luhn, and an issuer (IIN) range of a real network. */
export function isCard(raw: string): boolean {
  if (raw.includes(' ') && raw.includes('-')) return false;
  const digits = raw.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhn(digits) && knownIssuer(digits);
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function knownIssuer(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16; // Discover
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) return n >= 14; // Diners Club
  if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
  if (p2 === 62) return n >= 16; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 13; // Maestro
  return false;
}

/** IBAN lengths per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

export function isIban(iban: string): boolean {
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000; and not the famous advertising number. */
export function isSsn(nine: string): boolean {
  const area = Number(nine.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (nine.slice(3, 5) === '00' || nine.slice(5) === '0000') return false;
  return nine !== '078051120' && nine !== '219099999';
}

export function isIpv4(s: string): boolean {
  return s.split('.').every((o) => o.length > 0 && (o === '0' || o[0] !== '0') && Number(o) <= 255);
}

/** Full 8 groups, or one `::` with fewer; identifier-like `a::b` (C++/Rust paths) is not an address. */
export function isIpv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => g.length >= 1 && g.length <= 4)) return false;
  if (halves.length === 1) return groups.length === 8;
  if (groups.length > 7) return false;
  if (groups.length === 0) return false;
  // `::1` (loopback) is an address; `ab::cd` is more likely a scope path than an address.
  return groups.length >= 3 || s === '::1' || groups.some((g) => /\d/.test(g) && g.length >= 3);
}
