import { describe, expect, it } from 'vitest';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { GrantSpec, GrantStatus } from '../resources/kinds/grant.js';
import { createGrantsCompiler } from './compile-grants.js';

const APPROVED_AT = '2026-03-01T10:00:00.000Z';
const EXPIRES_AT = '2026-03-01T14:00:00.000Z';

function row(name: string, spec: Partial<GrantSpec>, status: Partial<GrantStatus> | undefined): StoredResource {
  const full: GrantSpec = { principal: { team: 'research' }, action: 'invoke_model', resource: { model: 'big' }, reason: 'incident 42', expiresAt: EXPIRES_AT, ...spec };
  const st = status === undefined ? undefined : { state: 'approved', requestedBy: 'user:alice', requestedAt: APPROVED_AT, approvedBy: 'user:pat', approvedAt: APPROVED_AT, ...status };
  return { kind: 'Grant', name, spec: full, status: st, team: full.principal.team } as unknown as StoredResource;
}

const source = (rows: StoredResource[]) => ({ all: (kind: string) => (kind === 'Grant' ? rows : []) });

describe('compile grants', () => {
  it('compiles approved grants into {from: approvedAt, until: expiresAt}, sorted by name', () => {
    const rows = [
      row('z-secret', { principal: { team: 'ops', agent: 'bot' }, action: 'read_secret', resource: { secret: 'openai-prod' } }, {}),
      row('a-model', {}, {}),
      row('m-tool', { principal: { team: 'ops', apiKey: 'ops-key' }, action: 'call_tool', resource: { tool: 'demo__delete_everything' } }, {}),
    ];
    const grants = createGrantsCompiler()(source(rows), []);
    expect(grants.map((g) => g.name)).toEqual(['a-model', 'm-tool', 'z-secret']);
    expect(grants[0]).toEqual({ name: 'a-model', team: 'research', agent: undefined, user: undefined, apiKey: undefined, action: 'invoke_model', resource: 'big', from: Date.parse(APPROVED_AT), until: Date.parse(EXPIRES_AT) });
    expect(grants[1]).toMatchObject({ apiKey: 'ops-key', action: 'call_tool', resource: 'demo__delete_everything' });
    expect(grants[2]).toMatchObject({ agent: 'bot', action: 'read_secret', resource: 'openai-prod' });
  });

  it('leaves out pending, revoked and expired grants', () => {
    const rows = [
      row('pending', {}, { state: 'pending', approvedBy: undefined, approvedAt: undefined }),
      row('revoked', {}, { state: 'revoked', revokedBy: 'user:pat', revokedAt: APPROVED_AT }),
      row('expired', {}, { state: 'expired', expiredAt: EXPIRES_AT }),
      row('no-status', {}, undefined),
    ];
    expect(createGrantsCompiler()(source(rows), [])).toEqual([]);
  });

  it('recompiles only when a Grant changed', () => {
    const compile = createGrantsCompiler();
    const rows = [row('a', {}, {})];
    const first = compile(source(rows), []);
    rows.push(row('b', {}, {}));
    expect(compile(source(rows), [{ kind: 'Model' } as StoredResource])).toBe(first);
    expect(compile(source(rows), [rows[1] as StoredResource]).map((g) => g.name)).toEqual(['a', 'b']);
  });
});
