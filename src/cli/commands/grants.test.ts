import { describe, expect, it } from 'vitest';
import { harness, NOW } from '../../../test/helpers/cli-harness.js';
import { ArgsError } from '../args.js';
import { resolveKind } from '../resource-kinds.js';
import { grantsVerb, parseExpires } from './grants.js';

const grant = (name: string, state: string, expiresAt: string, over: Record<string, unknown> = {}) => ({
  apiVersion: 'gantry/v1alpha1',
  kind: 'Grant',
  metadata: { name },
  spec: { principal: { team: 'payments', agent: 'triage' }, action: 'invoke_model', resource: { model: 'gpt-big' }, reason: 'INC-4211 triage\nneeds the big model', expiresAt, ...over },
  status: { state },
});

describe('gantry grants', () => {
  it('request applies one Grant document (relative expiry resolved now) and says who approves it', async () => {
    const h = harness((c) => (c.method === 'POST' ? Response.json({ dryRun: false, results: [], secrets: [] }) : Response.json(grant('inc-4211', 'pending', '2026-05-01T14:00:00.000Z', { approver: 'sam' }))));
    await h.run(grantsVerb, ['request', 'inc-4211', '--team', 'payments', '--agent', 'triage', '--action', 'invoke_model', '--model', 'gpt-big', '--reason', 'INC-4211', '--expires', '+2h', '--approver', 'sam']);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/apply', contentType: 'application/json' });
    expect(JSON.parse(h.calls[0]!.body)).toEqual({
      apiVersion: 'gantry/v1alpha1',
      kind: 'Grant',
      metadata: { name: 'inc-4211' },
      spec: { principal: { team: 'payments', agent: 'triage' }, action: 'invoke_model', resource: { model: 'gpt-big' }, reason: 'INC-4211', expiresAt: new Date(NOW + 2 * 3_600_000).toISOString(), approver: 'sam' },
    });
    expect(h.calls[1]).toMatchObject({ method: 'GET', path: '/grants/inc-4211' });
    expect(h.out()).toContain('pending: "sam" or a platform admin approves it with "gantry grants approve inc-4211"');
  });

  it('request refuses a resource flag that does not fit the action, several principals, and a bad expiry', async () => {
    const h = harness(() => Response.json({}));
    const base = ['request', 'g', '--team', 't', '--reason', 'r', '--expires', '+1d'];
    await expect(h.run(grantsVerb, [...base, '--action', 'read_secret', '--model', 'm'])).rejects.toThrow(/needs --secret/);
    await expect(h.run(grantsVerb, [...base, '--action', 'invoke_model', '--model', 'm', '--secret', 's'])).rejects.toThrow(/needs --model/);
    await expect(h.run(grantsVerb, [...base, '--action', 'call_tool', '--tool', 'demo__x', '--agent', 'a', '--user', 'u'])).rejects.toThrow(/at most one of/);
    await expect(h.run(grantsVerb, [...base, '--action', 'drop_tables', '--model', 'm'])).rejects.toThrow(/--action must be one of/);
    expect(() => parseExpires('tomorrow', NOW)).toThrow(ArgsError);
    expect(parseExpires('2026-05-02T00:00:00Z', NOW)).toBe('2026-05-02T00:00:00Z');
    expect(parseExpires('+1d', NOW)).toBe('2026-05-02T12:00:00.000Z');
    expect(h.calls).toEqual([]);
  });

  it('approve and revoke post to their endpoints; revoke sends the reason', async () => {
    const h = harness(() => Response.json(grant('inc-4211', 'approved', '2026-05-01T14:00:00.000Z')));
    await h.run(grantsVerb, ['approve', 'inc-4211']);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/grants/inc-4211/approve' });
    expect(h.out()).toContain('grant/inc-4211 approved: in effect now, in every process, until 2026-05-01T14:00:00.000Z');
    await h.run(grantsVerb, ['revoke', 'inc-4211', '--reason', 'incident closed']);
    expect(h.calls[1]).toMatchObject({ method: 'POST', path: '/grants/inc-4211/revoke' });
    expect(JSON.parse(h.calls[1]!.body)).toEqual({ reason: 'incident closed' });
  });

  it('list prints every page as a table; --active keeps approved grants not yet past their end', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [grant('a-live', 'approved', '2026-05-01T14:00:00Z'), grant('b-pending', 'pending', '2026-05-01T14:00:00Z')], continue: 'b-pending' },
      'b-pending': { items: [grant('c-ended', 'approved', '2026-05-01T11:00:00Z', { principal: { team: 'payments', apiKey: 'ci' }, action: 'read_secret', resource: { secret: 'openai-prod' } })], continue: null },
    };
    const h = harness((c) => Response.json(pages[c.query.get('continue') ?? '']));
    await h.run(grantsVerb, ['list']);
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+PRINCIPAL\s+ACTION\s+RESOURCE\s+STATE\s+EXPIRES\s+REASON$/);
    expect(lines[1]).toMatch(/^a-live\s+agent:triage\s+invoke_model\s+gpt-big\s+approved\s+2026-05-01T14:00:00Z\s+INC-4211 triage needs the big model$/);
    expect(lines[3]).toMatch(/^c-ended\s+key:ci\s+read_secret\s+openai-prod\s+expired\s/);
    const active = harness((c) => Response.json(pages[c.query.get('continue') ?? '']));
    await active.run(grantsVerb, ['list', '--active', '-o', 'json']);
    expect((JSON.parse(active.out()) as { metadata: { name: string } }[]).map((g) => g.metadata.name)).toEqual(['a-live']);
  });

  it('gantry get grants knows the kind (get, delete) and shows principal, action, resource and state', () => {
    const info = resolveKind('grant');
    expect(info.plural).toBe('grants');
    const g = grant('inc-4211', 'pending', '2026-05-01T14:00:00Z');
    expect(info.columns.map((c) => [c.header, c.value(g, NOW)])).toEqual([
      ['NAME', 'inc-4211'],
      ['PRINCIPAL', 'agent:triage'],
      ['ACTION', 'invoke_model'],
      ['RESOURCE', 'gpt-big'],
      ['STATE', 'pending'],
      ['EXPIRES', '2026-05-01T14:00:00Z'],
    ]);
  });
});
