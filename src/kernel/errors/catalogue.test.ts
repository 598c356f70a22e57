import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from './catalogue.js';
import { GatewayError, toGatewayError } from './gateway-error.js';
import { renderErrorsDoc } from './render-doc.js';

describe('error catalogue', () => {
  it('has GW_ codes with an HTTP status, a type and an actionable message', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^GW_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.message.length).toBeGreaterThan(10);
      expect(spec.when.length).toBeGreaterThan(10);
    }
  });

  it('builds errors from the catalogue and wraps unknown ones as GW_INTERNAL', () => {
    const e = new GatewayError('GW_UPSTREAM_RATE_LIMITED', undefined, { retryAfter: 3, upstreamStatus: 429 });
    expect([e.status, e.type, e.retryAfter, e.upstreamStatus]).toEqual([429, 'rate_limit_error', 3, 429]);
    expect(toGatewayError(new Error('boom')).code).toBe('GW_INTERNAL');
    expect(toGatewayError(e)).toBe(e);
  });

  it('docs/errors.md is generated from the catalogue and up to date', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(renderErrorsDoc());
  });
});
