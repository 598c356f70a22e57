import { describe, expect, it } from 'vitest';
import { detectSecrets, shannonBits } from './secrets.js';

const hits = (text: string) => detectSecrets(text).map((f) => `${f.rule}:${text.slice(f.start, f.end)}`);
/** Format rules only (scan drops the generic high-entropy finding under a specific one). */
const formats = (text: string) =>
  detectSecrets(text)
    .filter((f) => f.rule !== 'secret.high_entropy')
    .map((f) => `${f.rule}:${text.slice(f.start, f.end)}`);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '42', name: 'x' })}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;

describe('secret detectors', () => {
  it('finds cloud and SaaS tokens by their formats', () => {
    expect(formats('id AKIAIOSFODNN7EXAMPLE')).toEqual(['secret.aws_key:AKIAIOSFODNN7EXAMPLE']);
    expect(formats('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toEqual(['secret.aws_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
    expect(formats('key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe')).toEqual(['secret.gcp_key:AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe']);
    expect(formats('ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toEqual(['secret.github_token:ghp_abcdefghijklmnopqrstuvwxyz0123456789']);
    expect(formats('xoxb-1234567890-abcdefghij')).toEqual(['secret.slack_token:xoxb-1234567890-abcdefghij']);
  });

  it('finds PEM private keys, terminated or not, but not public keys', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----';
    expect(hits(`key:\n${pem}\nthanks`)).toEqual([`secret.private_key:${pem}`]);
    expect(hits('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B')[0]).toMatch(/^secret.private_key:-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B$/);
    expect(hits('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----')).toEqual([]);
  });

  it('finds JWTs whose header has alg, and bearer tokens (not the word "bearer")', () => {
    expect(formats(`token ${jwt}`)).toEqual([`secret.jwt:${jwt}`]);
    expect(formats(`Authorization: Bearer ${jwt}`)).toEqual([`secret.jwt:${jwt}`, `secret.bearer_token:${jwt}`]);
    expect(hits('eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxIn0.abcdefghijklmnop')).toEqual([]); // header has no alg
    expect(hits('Authorization: Bearer 9f8a7b6c5d4e3f2a1b0c')).toEqual(['secret.bearer_token:9f8a7b6c5d4e3f2a1b0c']);
    expect(hits('use the Bearer authentication scheme')).toEqual([]);
  });

  it('flags random-looking tokens but not UUIDs, bare hashes, identifiers or paths', () => {
    expect(hits('password: Zr8pQ2vL9xKt4mWc7yBn3Hd')).toEqual(['secret.high_entropy:Zr8pQ2vL9xKt4mWc7yBn3Hd']);
    expect(hits('api key: 8f14e45fceea167a5a36dedd4bea2543')).toEqual(['secret.high_entropy:8f14e45fceea167a5a36dedd4bea2543']);
    expect(hits('commit 8f14e45fceea167a5a36dedd4bea2543 fixed it')).toEqual([]);
    expect(hits('id 123e4567-e89b-12d3-a456-426614174000')).toEqual([]);
    expect(hits('call getUserAccountDetailsById from src/data-plane/routing/strategies.ts')).toEqual([]);
    expect(shannonBits('aaaa')).toBe(0);
    expect(shannonBits('abcd')).toBe(2);
  });

  it('stays linear on a 1 MB hostile input', () => {
    for (const unit of ['-----BEGIN PRIVATE KEY-----', 'eyJ', 'Bearer ', 'a', 'aws_secret=', 'xoxb-', 'Ab1']) {
      const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
      expect(Array.isArray(detectSecrets(text))).toBe(true);
    }
  });
});
