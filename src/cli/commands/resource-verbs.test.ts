import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../../../test/helpers/cli-harness.js';
import { ArgsError } from '../args.js';
import { type CliError, formatCliError } from '../cli-error.js';
import { applyVerb } from './apply.js';
import { diffVerb } from './diff.js';
import { getVerb } from './get.js';

const team = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gantry/v1alpha1',
  kind: 'Team',
  metadata: { name, generation: 1, uid: `res_${name}`, createdAt: '2026-05-01T09:00:00.000Z' },
  spec: { displayName: name.toUpperCase(), ...extra },
});

describe('gantry apply / diff', () => {
  it('sends every file as ONE multi-document YAML apply and prints results and secrets once', async () => {
    const h = harness(() =>
      Response.json({
        dryRun: false,
        results: [
          { kind: 'Team', name: 'payments', action: 'created', generation: 1 },
          { kind: 'ApiKey', name: 'payments-ci', action: 'created', generation: 1 },
        ],
        secrets: [{ kind: 'ApiKey', name: 'payments-ci', key: 'gk_secret_1' }],
      }),
    );
    writeFileSync(join(h.dir, 'team.yaml'), 'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: payments}\nspec: {}\n');
    writeFileSync(join(h.dir, 'key.json'), JSON.stringify({ apiVersion: 'gantry/v1alpha1', kind: 'ApiKey', metadata: { name: 'payments-ci' }, spec: { team: 'payments' } }));
    expect(await h.run(applyVerb, ['-f', 'team.yaml', '-f', 'key.json'])).toBe(0);
    expect(h.calls).toHaveLength(1);
    const call = h.calls[0]!;
    expect(call).toMatchObject({ method: 'POST', path: '/apply', contentType: 'application/yaml', auth: 'Bearer gat_test' });
    expect(call.query.get('dryRun')).toBeNull();
    expect(call.body.match(/^---$/gm)).toHaveLength(2);
    expect(call.body).toContain('kind: ApiKey');
    expect(h.out()).toContain('team/payments created\napikey/payments-ci created\n');
    expect(h.out()).toContain('shown only once');
    expect(h.out().match(/gk_secret_1/g)).toHaveLength(1);
  });

  it('-o json prints the server response only', async () => {
    const response = { dryRun: true, results: [], secrets: [] };
    const h = harness(() => Response.json(response));
    writeFileSync(join(h.dir, 't.yaml'), 'kind: Team\nmetadata: {name: a}\n');
    await h.run(applyVerb, ['-f', 't.yaml', '--dry-run', '-o', 'json']);
    expect(JSON.parse(h.out())).toEqual(response);
    expect(h.calls[0]?.query.get('dryRun')).toBe('true');
  });

  it('maps validation details back to the files and does not apply anything', async () => {
    const h = harness(() =>
      Response.json(
        {
          error: {
            code: 'GW_RESOURCE_INVALID',
            message: 'not valid (1 problem)',
            details: [{ document: 'document 2 (Agent "bot")', path: 'spec.owner', message: 'required' }],
          },
        },
        { status: 400 },
      ),
    );
    writeFileSync(join(h.dir, 'a.yaml'), 'kind: Team\nmetadata: {name: a}\n---\nkind: Agent\nmetadata: {name: bot}\nspec: {}\n');
    const err = (await h.run(applyVerb, ['-f', 'a.yaml']).catch((e: unknown) => e)) as CliError;
    expect(formatCliError(err)).toBe('error GW_RESOURCE_INVALID: not valid (1 problem)\n  - a.yaml: document 2 (Agent "bot"): spec.owner: required\n');
  });

  it('refuses usage mistakes before reading or sending anything', async () => {
    const h = harness(() => Response.json({}));
    await expect(h.run(applyVerb, [])).rejects.toThrow(ArgsError);
    await expect(h.run(applyVerb, ['-f', 'x', '-o', 'yaml'])).rejects.toThrow(/-o must be json/);
    await expect(h.run(applyVerb, ['x.yaml'])).rejects.toThrow(/files are given with -f/);
    expect(h.calls).toHaveLength(0);
  });

  it('diff prints each change as ~ / + / - lines from a dry run', async () => {
    const h = harness(() =>
      Response.json({
        dryRun: true,
        results: [
          {
            kind: 'Team',
            name: 'team-a',
            action: 'updated',
            diff: [
              { path: 'spec.displayName', op: 'replace', before: 'Team A', after: 'Team Alpha' },
              { path: 'spec.contacts', op: 'add', after: ['a@x.io'] },
              { path: 'spec.description', op: 'remove', before: 'old' },
            ],
          },
          { kind: 'Team', name: 'team-b', action: 'unchanged', diff: [] },
        ],
      }),
    );
    writeFileSync(join(h.dir, 't.yaml'), 'kind: Team\nmetadata: {name: team-a}\n');
    expect(await h.run(diffVerb, ['-f', 't.yaml'])).toBe(0);
    expect(h.calls[0]?.query.get('dryRun')).toBe('true');
    expect(h.out()).toBe(
      'team/team-a would be updated\n' +
        '  ~ spec.displayName: Team A → Team Alpha\n' +
        '  + spec.contacts: ["a@x.io"]\n' +
        '  - spec.description: old\n' +
        '\n1 updated, 1 unchanged (nothing was changed: this was a dry run)\n',
    );
  });
});

describe('gantry get', () => {
  it('follows continue tokens to list every page, with the label selector on each request', async () => {
    const h = harness((c) => {
      const cont = c.query.get('continue');
      return Response.json(cont === null ? { items: [team('a'), team('b')], continue: 'b' } : { items: [team('c')], continue: null });
    });
    await h.run(getVerb, ['teams', '-l', 'env=prod,tier=1']);
    expect(h.calls.map((c) => `${c.path}?${c.query}`)).toEqual(['/teams?labelSelector=env%3Dprod%2Ctier%3D1', '/teams?labelSelector=env%3Dprod%2Ctier%3D1&continue=b']);
    expect(h.out()).toBe('NAME   DISPLAY-NAME   AGE\na      A              3h\nb      B              3h\nc      C              3h\n');
  });

  it('--limit fetches one page only', async () => {
    const h = harness(() => Response.json({ items: [team('a')], continue: 'a' }));
    await h.run(getVerb, ['team', '--limit', '1', '-o', 'json']);
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.query.get('limit')).toBe('1');
    expect(JSON.parse(h.out())).toEqual({ apiVersion: 'gantry/v1alpha1', kind: 'TeamList', items: [team('a')] });
  });

  it('prints re-applyable multi-document YAML and one object for a named resource', async () => {
    const withStatus = { ...team('a'), status: { note: 'server-managed' } };
    const h = harness((c) => (c.path === '/teams/a' ? Response.json(team('a')) : Response.json({ items: [withStatus, team('b')] })));
    await h.run(getVerb, ['teams', '-o', 'yaml']);
    expect(h.out().startsWith('---\napiVersion: gantry/v1alpha1\nkind: Team\n')).toBe(true);
    expect(h.out()).not.toContain('status:');
    expect(h.out().match(/^---$/gm)).toHaveLength(2);
    const h2 = harness(() => Response.json(team('a')));
    await h2.run(getVerb, ['Team', 'a', '-o', 'json']);
    expect(h2.calls[0]?.path).toBe('/teams/a');
    expect(JSON.parse(h2.out()).metadata.name).toBe('a');
  });

  it('accepts keys as apikeys and shows their columns', async () => {
    const key = {
      kind: 'ApiKey',
      metadata: { name: 'ci', createdAt: '2026-04-01T00:00:00Z' },
      spec: { team: 'payments', agent: 'bot', expiresAt: '2027-01-01T00:00:00Z' },
      status: { displayPrefix: 'gk_ab12', lastUsedAt: '2026-05-01T11:55:00Z' },
    };
    const revoked = { kind: 'ApiKey', metadata: { name: 'old' }, spec: { team: 'payments' }, status: { displayPrefix: 'gk_zz', revokedAt: '2026-04-02T00:00:00Z' } };
    const h = harness(() => Response.json({ items: [key, revoked] }));
    await h.run(getVerb, ['keys']);
    expect(h.calls[0]?.path).toBe('/apikeys');
    expect(h.out()).toBe(
      'NAME   TEAM       AGENT   PREFIX    EXPIRES                STATUS    LAST-USED\n' +
        'ci     payments   bot     gk_ab12   2027-01-01T00:00:00Z   active    5m ago\n' +
        'old    payments   -       gk_zz     -                      revoked   never\n',
    );
  });

  it('shows agents with lifecycle, 7-day usage, last seen and drift; users with roles and teams', async () => {
    const agent = { kind: 'Agent', metadata: { name: 'bot' }, spec: { owner: 'team-a', sponsor: 'alice', lifecycle: 'active' }, status: { lastSeenAt: '2026-05-01T10:00:00Z', spendUsd: 12.5 } };
    const inventory = { items: [{ name: 'bot', requests: 8, errorRate: 0.25, spendMicros: 12_500_000, lastSeen: '2026-05-01T10:00:00Z', drift: [] }] };
    const h = harness((c) => Response.json(c.path === '/agents/inventory' ? inventory : { items: [agent] }));
    await h.run(getVerb, ['agents']);
    expect(h.out()).toBe('NAME   OWNER    LIFECYCLE   SPONSOR   SPEND(7D)   REQUESTS   ERR%    LAST SEEN   DRIFT\nbot    team-a   active      alice     $12.50      8          25.0%   2h ago      none\n');
    const user = { kind: 'User', metadata: { name: 'alice' }, spec: { email: 'a@x.io', roles: ['auditor'], teams: [{ team: 'team-a', role: 'team-admin' }] } };
    const h2 = harness(() => Response.json({ items: [user] }));
    await h2.run(getVerb, ['user']);
    expect(h2.out()).toBe('NAME    EMAIL    ROLES     TEAMS\nalice   a@x.io   auditor   team-a:team-admin\n');
  });

  it('says so on stderr when nothing matches, and refuses unknown kinds and formats', async () => {
    const h = harness(() => Response.json({ items: [] }));
    await h.run(getVerb, ['models']);
    expect(h.out()).toBe('');
    expect(h.err()).toBe('No models found.\n');
    await expect(h.run(getVerb, ['widgets'])).rejects.toThrow(/unknown kind "widgets"/);
    await expect(h.run(getVerb, ['teams', '-o', 'xml'])).rejects.toThrow(ArgsError);
    await expect(h.run(getVerb, [])).rejects.toThrow(/missing the kind/);
  });
});
