import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readSettings, workerCount } from './settings.js';

const read = (env: NodeJS.ProcessEnv) => readSettings(env, '/srv');

describe('settings: workers', () => {
  it('defaults to one process; takes a count or auto (one per CPU)', () => {
    expect(read({}).workers).toBe(1);
    expect(read({ GANTRY_WORKERS: '4' }).workers).toBe(4);
    expect(read({ GANTRY_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => read({ GANTRY_WORKERS: '0' })).toThrow('GANTRY_WORKERS must be an integer from 1 to 256, or "auto"');
    expect(() => workerCount('two', '--workers')).toThrow('--workers must be an integer');
  });
});

describe('settings: alert webhook', () => {
  it('is off without a URL', () => {
    expect(read({}).alertWebhook).toBeUndefined();
  });

  it('takes an http(s) URL, a secret and a format', () => {
    expect(read({ GANTRY_ALERT_WEBHOOK_URL: 'https://alerts.example.com/gantry', GANTRY_ALERT_WEBHOOK_SECRET: 's3cret' }).alertWebhook).toEqual({
      url: 'https://alerts.example.com/gantry',
      secret: 's3cret',
      format: 'gantry',
    });
    expect(read({ GANTRY_ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X', GANTRY_ALERT_WEBHOOK_FORMAT: 'slack' }).alertWebhook).toEqual({
      url: 'https://hooks.slack.com/services/T/B/X',
      secret: undefined,
      format: 'slack',
    });
  });

  it('refuses a missing secret (gantry format), another scheme, an unknown format — without echoing the URL', () => {
    expect(() => read({ GANTRY_ALERT_WEBHOOK_URL: 'https://alerts.example.com/x' })).toThrow('GANTRY_ALERT_WEBHOOK_SECRET is required');
    const bad = () => read({ GANTRY_ALERT_WEBHOOK_URL: 'ftp://host/path?token=tok123', GANTRY_ALERT_WEBHOOK_SECRET: 's' });
    expect(bad).toThrow('must be an http:// or https:// URL');
    expect(bad).not.toThrow('tok123');
    expect(() => read({ GANTRY_ALERT_WEBHOOK_URL: 'https://a.example', GANTRY_ALERT_WEBHOOK_SECRET: 's', GANTRY_ALERT_WEBHOOK_FORMAT: 'teams' })).toThrow(
      'GANTRY_ALERT_WEBHOOK_FORMAT must be gantry or slack',
    );
    expect(() => read({ GANTRY_ALERT_WEBHOOK_SECRET: 's' })).toThrow('GANTRY_ALERT_WEBHOOK_URL is not');
  });
});

describe('settings: spend anomalies', () => {
  it('defaults to every 5 minutes, factor 3, at least $1.00', () => {
    expect(read({}).anomaly).toEqual({ intervalMs: 300_000, factor: 3, minMicros: 1_000_000 });
  });

  it('reads overrides and refuses nonsense', () => {
    expect(read({ GANTRY_ANOMALY_INTERVAL_MS: '0', GANTRY_ANOMALY_FACTOR: '2.5', GANTRY_ANOMALY_MIN_USD: '20' }).anomaly).toEqual({
      intervalMs: 0,
      factor: 2.5,
      minMicros: 20_000_000,
    });
    expect(() => read({ GANTRY_ANOMALY_FACTOR: '1' })).toThrow('GANTRY_ANOMALY_FACTOR must be a number above 1');
    expect(() => read({ GANTRY_ANOMALY_FACTOR: '-4' })).toThrow('GANTRY_ANOMALY_FACTOR');
    expect(() => read({ GANTRY_ANOMALY_MIN_USD: '$5' })).toThrow('GANTRY_ANOMALY_MIN_USD must be a decimal USD amount');
  });
});
