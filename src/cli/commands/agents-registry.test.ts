import { describe, expect, it } from 'vitest';
import { harness } from '../../../test/helpers/cli-harness.js';
import { ArgsError } from '../args.js';
import type { WireInventory, WireInventoryEntry } from './agents-format.js';
import { agentsVerb } from './agents.js';
import { getVerb } from './get.js';

const HELPER: WireInventoryEntry = {
  name: 'helper-bot',
  registered: true,
  owner: 'team-a',
  teams: ['team-a'],
  sponsor: 'alice',
  lifecycle: 'active',
  declared: { models: ['small'], tools: ['demo__echo'] },
  models: [
    { name: 'large', requests: 3, errors: 0, costMicros: 3_000_000, costUsd: '3.000000' },
    { name: 'small', requests: 20, errors: 4, costMicros: 2_345_678, costUsd: '2.345678' },
  ],
  tools: [
    { name: 'demo__echo', server: 'demo', requests: 6, errors: 0, costMicros: 60, costUsd: '0.000060' },
    { name: 'demo__rm', server: 'demo', requests: 1, errors: 1, costMicros: 0, costUsd: '0.000000' },
  ],
  requests: 30,
  errors: 5,
  errorRate: 0.1667,
  spendMicros: 5_345_738,
  spendUsd: '5.345738',
  lastSeen: '2026-05-01T10:00:00.000Z',
  drift: [{ kind: 'undeclared_model', item: 'large', team: 'team-a', count: 3, firstSeen: '2026-04-30T08:00:00.000Z', lastSeen: '2026-05-01T08:00:00.000Z' }],
};
const GHOST: WireInventoryEntry = {
  ...HELPER,
  name: 'ghost',
  registered: false,
  owner: null,
  teams: ['team-a'],
  sponsor: null,
  lifecycle: null,
  declared: { models: null, tools: null },
  models: [{ name: 'small', requests: 4, errors: 0, costMicros: 200, costUsd: '0.000200' }],
  tools: [],
  requests: 4,
  errors: 0,
  errorRate: 0,
  spendMicros: 200,
  spendUsd: '0.000200',
  lastSeen: '2026-04-29T12:00:00.000Z',
  drift: [{ kind: 'unregistered_agent', item: null, team: 'team-a', count: 4, firstSeen: '2026-04-29T12:00:00.000Z', lastSeen: '2026-04-29T12:00:00.000Z' }],
};
const INVENTORY: WireInventory = { days: 7, from: '2026-04-24T12:00:00.000Z', to: '2026-05-01T12:00:00.000Z', driftAvailable: true, truncated: false, items: [GHOST, HELPER] };

const AGENTS = [
  { kind: 'Agent', metadata: { name: 'draft-bot' }, spec: { owner: 'team-a', lifecycle: 'proposed' } },
  { kind: 'Agent', metadata: { name: 'helper-bot' }, spec: { owner: 'team-a', lifecycle: 'active' }, status: { lastSeenAt: '2026-05-01T09:00:00Z' } },
];

describe('gantry get agents', () => {
  it('lists agents with their 7-day usage and drift from one inventory call, passing the filters', async () => {
    const h = harness((c) => (c.path === '/agents/inventory' ? Response.json(INVENTORY) : Response.json({ items: AGENTS })));
    await h.run(getVerb, ['agents', '--team', 'team-a', '--lifecycle', 'active', '--model', 'small', '--tool', 'demo__echo']);
    expect(h.calls.map((c) => c.path)).toEqual(['/agents', '/agents/inventory']);
    expect(Object.fromEntries(h.calls[0]?.query ?? [])).toEqual({ team: 'team-a', lifecycle: 'active', model: 'small', tool: 'demo__echo' });
    expect(Object.fromEntries(h.calls[1]?.query ?? [])).toEqual({ days: '7', team: 'team-a' });
    expect(h.out()).toBe(
      'NAME         OWNER    LIFECYCLE   SPONSOR   SPEND(7D)   REQUESTS   ERR%    LAST SEEN   DRIFT\n' +
        'draft-bot    team-a   proposed    -         -           -          -       never       -\n' +
        'helper-bot   team-a   active      -         $5.35       30         16.7%   2h ago      model:large\n',
    );
  });

  it('shows one agent with its own inventory, and keeps the table when the server has no inventory', async () => {
    const h = harness((c) => (c.path === '/agents/helper-bot/inventory' ? Response.json({ ...INVENTORY, item: HELPER }) : Response.json(AGENTS[1])));
    await h.run(getVerb, ['agent', 'helper-bot']);
    expect(h.calls.map((c) => c.path)).toEqual(['/agents/helper-bot', '/agents/helper-bot/inventory']);
    expect(h.out()).toContain('helper-bot   team-a   active      -         $5.35');
    const old = harness((c) => (c.path === '/agents' ? Response.json({ items: AGENTS }) : Response.json({ error: { code: 'GW_ROUTE_NOT_FOUND', message: 'No such admin endpoint' } }, { status: 404 })));
    await old.run(getVerb, ['agents']);
    expect(old.out()).toContain('helper-bot   team-a   active      -         -           -          -      3h ago      -');
  });

  it('refuses the agent filters for other kinds and for one named agent', async () => {
    const h = harness(() => Response.json({ items: [] }));
    await expect(h.run(getVerb, ['teams', '--lifecycle', 'active'])).rejects.toThrow(ArgsError);
    await expect(h.run(getVerb, ['agents', 'bot', '--team', 'a'])).rejects.toThrow(/lists of agents only/);
    expect(h.calls).toHaveLength(0);
  });
});

describe('gantry agents inventory / card / export', () => {
  it('prints the inventory table with registered and shadow agents, and says what is not registered', async () => {
    const h = harness(() => Response.json(INVENTORY));
    await h.run(agentsVerb, ['inventory', '--days', '30', '--team', 'team-a']);
    expect(Object.fromEntries(h.calls[0]?.query ?? [])).toEqual({ days: '30', team: 'team-a' });
    expect(h.out()).toBe(
      'AGENT        REGISTERED   OWNER    LIFECYCLE   MODELS        TOOLS                 SPEND     REQUESTS   ERR%    LAST SEEN   DRIFT\n' +
        'ghost        no           team-a   -           small         -                     $0.0002   4          0.0%    2d ago      unregistered\n' +
        'helper-bot   yes          team-a   active      large,small   demo__echo,demo__rm   $5.35     30         16.7%   2h ago      model:large\n',
    );
    expect(h.err()).toContain('1 agent name(s) seen in traffic are not registered');
    await expect(h.run(agentsVerb, ['inventory', '--days', '91'])).rejects.toThrow(/1 to 90/);
  });

  it('shows one agent in detail: usage against its declaration, and drift', async () => {
    const h = harness(() => Response.json({ ...INVENTORY, item: HELPER }));
    await h.run(agentsVerb, ['inventory', 'helper-bot']);
    expect(h.calls[0]?.path).toBe('/agents/helper-bot/inventory');
    const out = h.out();
    expect(out).toContain('Requests:   30 (5 errors, 16.7%)');
    expect(out).toContain('Spend:      $5.35 (5.345738 USD)');
    expect(out).toContain('Declared:   models: small; tools: demo__echo');
    expect(out).toContain('large   3          0        $3.00   no');
    expect(out).toContain('small   20         4        $2.35   yes');
    expect(out).toContain('demo__echo   demo     6          0        $0.00006   yes');
    expect(out).toContain('demo__rm     demo     1          1        $0         no');
    expect(out).toContain('undeclared_model   large   team-a   3');
    const json = harness(() => Response.json({ ...INVENTORY, item: HELPER }));
    await json.run(agentsVerb, ['inventory', 'helper-bot', '-o', 'json']);
    expect(JSON.parse(json.out())).toEqual(HELPER);
  });

  it('prints the card and exports one or all agents as Backstage YAML or A2A JSON', async () => {
    const card = { name: 'helper-bot', url: 'https://g.example/v1' };
    const yaml = '---\napiVersion: backstage.io/v1alpha1\nkind: Component\n';
    const h = harness((c) =>
      c.path.endsWith('/card')
        ? Response.json(card)
        : c.query.get('format') === 'a2a'
          ? Response.json([card])
          : new Response(yaml, { headers: { 'content-type': 'application/yaml' } }),
    );
    await h.run(agentsVerb, ['card', 'helper-bot']);
    expect(JSON.parse(h.out())).toEqual(card);
    await h.run(agentsVerb, ['export', 'helper-bot', '--format', 'backstage']);
    await h.run(agentsVerb, ['export', '--all', '--lifecycle', 'active']);
    await h.run(agentsVerb, ['export', '--all', '--format', 'a2a']);
    expect(h.calls.map((c) => `${c.path}?${c.query}`)).toEqual([
      '/agents/helper-bot/card?',
      '/agents/helper-bot/backstage?',
      '/agents/export?format=backstage&lifecycle=active',
      '/agents/export?format=a2a',
    ]);
    expect(h.out()).toContain(`${yaml}${yaml}[`);
    await expect(h.run(agentsVerb, ['export'])).rejects.toThrow(/--all/);
    await expect(h.run(agentsVerb, ['export', 'x', '--format', 'xml'])).rejects.toThrow(/backstage or a2a/);
    await expect(h.run(agentsVerb, ['export', 'x', '--team', 't'])).rejects.toThrow(/go with --all/);
  });

  it('keeps the lifecycle verbs', async () => {
    const h = harness(() => Response.json({}));
    await h.run(agentsVerb, ['activate', 'helper-bot']);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/agents/helper-bot/lifecycle' });
    await expect(h.run(agentsVerb, ['pause', 'bot'])).rejects.toThrow(/inventory, card, export/);
  });
});
