import { describe, expect, it } from 'vitest';
import { detectPii, isIban, isIpv6, isSsn, luhn } from './pii.js';

const rules = (text: string, skipCode = false) => detectPii(text, { skipCode }).map((f) => `${f.rule}:${text.slice(f.start, f.end)}`);

describe('PII detectors', () => {
  it('finds emails, and skips those in fenced code only when asked', () => {
    expect(rules('mail jane.doe+x@example.co.uk today')).toEqual(['pii.email:jane.doe+x@example.co.uk']);
    const code = 'See:\n```js\nsend("dev@example.com")\n```\nor bob@corp.io';
    expect(rules(code, true)).toEqual(['pii.email:bob@corp.io']);
    expect(rules(code, false)).toHaveLength(2);
  });

  it('finds cards that pass Luhn and an issuer range, not order numbers', () => {
    expect(rules('card 4111 1111 1111 1111 exp 12/27')).toEqual(['pii.credit_card:4111 1111 1111 1111']);
    expect(rules('amex 3782-822463-10005')).toEqual(['pii.credit_card:3782-822463-10005']);
    expect(rules('order 4111111111111112 shipped')).toEqual([]);
    expect(rules('id 1234567812345670')).toEqual([]); // Luhn-valid, no issuer starts with 1
    expect(luhn('79927398713')).toBe(true);
  });

  it('checks IBAN length per country and mod-97', () => {
    expect(rules('IBAN GB82 WEST 1234 5698 7654 32.')).toEqual(['pii.iban:GB82 WEST 1234 5698 7654 32']);
    expect(isIban('DE89370400440532013000')).toBe(true);
    expect(isIban('DE89370400440532013001')).toBe(false);
    expect(isIban('GB82WEST123456987654')).toBe(false);
  });

  it('applies the SSN area/group/serial rules', () => {
    expect(rules('ssn 123-45-6789')).toEqual(['pii.us_ssn:123-45-6789']);
    expect(isSsn('666123456')).toBe(false);
    expect(isSsn('900123456')).toBe(false);
    expect(isSsn('123004567')).toBe(false);
    expect(isSsn('123450000')).toBe(false);
    expect(rules('date 2024-01-15')).toEqual([]);
  });

  it('finds IPv4 and IPv6, not version strings or scope paths', () => {
    expect(rules('host 192.168.1.20 up')).toEqual(['pii.ip_address:192.168.1.20']);
    expect(rules('addr 2001:db8::8a2e:370:7334 and ::1')).toEqual(['pii.ip_address:2001:db8::8a2e:370:7334', 'pii.ip_address:::1']);
    expect(rules('upgrade to 1.2.3.4.5 now')).toEqual([]);
    expect(rules('version 10.0.0.1 released')).toEqual([]);
    expect(rules('octets 300.1.1.1')).toEqual([]);
    expect(rules('at 12:30:45 see std::vector')).toEqual([]);
    expect(isIpv6('fe80::1ff:fe23:4567:890a')).toBe(true);
    expect(isIpv6('1::2::3')).toBe(false);
  });

  it('finds phones in E.164 and national formats, not dates, versions or order ids', () => {
    expect(rules('call +1 415 555 0132 now')).toEqual(['pii.phone:+1 415 555 0132']);
    expect(rules('office (415) 555-0132')).toEqual(['pii.phone:(415) 555-0132']);
    expect(rules('phone: 020 7946 0958')).toEqual(['pii.phone:020 7946 0958']);
    expect(rules('order #415-555-0132 shipped')).toEqual([]);
    expect(rules('released 2023-10-05, v3.12.1')).toEqual([]);
  });

  it('stays linear on a 1 MB hostile input', () => {
    for (const unit of ['a', '1', 'a@', '1 ', '1.', 'a:', 'AB12']) {
      const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
      expect(Array.isArray(detectPii(text, { skipCode: true }))).toBe(true);
    }
  });
});
