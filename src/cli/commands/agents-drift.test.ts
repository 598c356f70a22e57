import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryDriftStore } from '../../storage/memory/drift-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { ArgsError } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { agentsVerb } from './agents.js';

const HOUR = 3_600_000;
const NOW = Date.now();

describe('gantry agents drift and GET /admin/v1/agents/drift (real control plane)', () => {
  let cp: InProcessControlPlane;
  const tokens = new Map<string, string>();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-drift-cli-'));
  let out = '';
  let err = '';
  const ctx = (token: string): CliContext => ({
    env: { XDG_CONFIG_HOME: join(dir, 'config'), GANTRY_URL: cp.url, GANTRY_TOKEN: token },
    cwd: dir,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    fetch: globalThis.fetch,
    now: () => NOW,
    readStdin: async () => '',
  });
  const run = async (args: string[], token = TEST_ADMIN_TOKEN) => {
    out = '';
    err = '';
    return agentsVerb.run(['drift', ...args], ctx(token));
  };

  beforeAll(async () => {
    const drift = createMemoryDriftStore();
    await drift.record([
      { agent: 'shadow-bot', team: 'team-a', kind: 'unregistered_agent', item: '', at: NOW - HOUR, firstAt: NOW - 3 * HOUR, count: 12 },
      { agent: 'bot-b', team: 'team-b', kind: 'undeclared_tool', item: 'demo__delete_everything', at: NOW - 2 * HOUR, count: 2 },
      { agent: 'old-bot', team: 'team-a', kind: 'undeclared_model', item: 'sim-large', at: NOW - 10 * 24 * HOUR, count: 1 },
    ]);
    cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), { drift });
    const apply = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, readFileSync(new URL('../../../test/fixtures/rbac.yaml', import.meta.url), 'utf8'));
    expect(apply.status).toBe(200);
    for (const user of ['dave', 'fiona', 'zed']) {
      const r = await cp.call('POST', `/users/${user}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      tokens.set(user, r.body.token);
    }
  });
  afterAll(() => cp.close());

  it('prints a table of the last 7 days, newest first', async () => {
    expect(await run([])).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^AGENT\s+TEAM\s+KIND\s+ITEM\s+COUNT\s+FIRST SEEN\s+LAST SEEN$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^shadow-bot\s+team-a\s+unregistered_agent\s+-\s+12\s+3h ago\s+1h ago$/),
      expect.stringMatching(/^bot-b\s+team-b\s+undeclared_tool\s+demo__delete_everything\s+2\s+2h ago\s+2h ago$/),
    ]);
  });

  it('--days widens the window, --agent filters, -o json prints the findings', async () => {
    expect(await run(['--days', '30', '--agent', 'old-bot,bot-b', '-o', 'json'])).toBe(0);
    const data = JSON.parse(out) as { agent: string; item: string | null; lastSeen: string }[];
    expect(data.map((f) => f.agent)).toEqual(['bot-b', 'old-bot']);
    expect(data[1]).toEqual(expect.objectContaining({ item: 'sim-large', lastSeen: new Date(NOW - 10 * 24 * HOUR).toISOString() }));
  });

  it('says so on stderr when there is nothing (stdout stays empty)', async () => {
    expect(await run(['--agent', 'nobody'])).toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(/^No agent drift since \d{4}-/);
  });

  it('team members see their own teams only; another team is refused; finops sees every team', async () => {
    expect(await run(['-o', 'json'], tokens.get('dave'))).toBe(0);
    expect((JSON.parse(out) as { agent: string }[]).map((f) => f.agent)).toEqual(['shadow-bot']);
    await expect(run(['--team', 'team-b'], tokens.get('dave'))).rejects.toThrow(CliError);
    const refused = await cp.call('GET', '/agents/drift?team=team-b', tokens.get('dave'));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('team-a');
    expect(await run(['-o', 'json', '--team', 'team-b'], tokens.get('fiona'))).toBe(0);
    expect((JSON.parse(out) as { agent: string }[]).map((f) => f.agent)).toEqual(['bot-b']);
    // A user in no team has no drift to read.
    expect((await cp.call('GET', '/agents/drift', tokens.get('zed'))).status).toBe(403);
  });

  it('refuses bad arguments before calling the server', async () => {
    await expect(run(['--days', '0'])).rejects.toThrow(ArgsError);
    await expect(run(['--days', '400'])).rejects.toThrow(ArgsError);
    await expect(run(['-o', 'yaml'])).rejects.toThrow(ArgsError);
    await expect(run(['shadow-bot'])).rejects.toThrow(ArgsError);
    expect((await cp.call('GET', '/agents/drift?days=abc', TEST_ADMIN_TOKEN)).status).toBe(400);
  });
});
