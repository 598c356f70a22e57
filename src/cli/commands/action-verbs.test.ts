import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Handler, harness, NOW } from '../../../test/helpers/cli-harness.js';
import { auditHash, GENESIS_HASH } from '../../kernel/audit-hash.js';
import { ArgsError } from '../args.js';
import { CliError, formatCliError } from '../cli-error.js';
import { cliConfigPath } from '../cli-config.js';
import { agentsVerb } from './agents.js';
import { auditVerb } from './audit.js';
import { deleteVerb } from './delete.js';
import { keysVerb } from './keys.js';
import { loginVerb } from './login.js';
import { logoutVerb } from './logout.js';

describe('gantry keys / agents / delete', () => {
  it('keys create -o json prints exactly the server JSON; the body carries the scope', async () => {
    const created = { key: 'gk_new', name: 'ci', team: 'payments', agent: null, displayPrefix: 'gk_new', expiresAt: '2026-05-31T12:00:00.000Z' };
    const h = harness(() => Response.json(created, { status: 201 }));
    await h.run(keysVerb, ['create', '--team', 'payments', '--name', 'ci', '--expires-in', '30d', '--models', 'sim-small,sim-large', '-o', 'json']);
    expect(JSON.parse(h.out())).toEqual(created);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/apikeys', contentType: 'application/json' });
    expect(JSON.parse(h.calls[0]!.body)).toEqual({ team: 'payments', name: 'ci', expiresAt: '2026-05-31T12:00:00.000Z', models: ['sim-small', 'sim-large'] });
  });

  it('keys create without -o json prints the key once with a warning', async () => {
    const h = harness(() => Response.json({ key: 'gk_new', name: 'ci', team: 'payments', displayPrefix: 'gk_ne' }, { status: 201 }));
    await h.run(keysVerb, ['create', '--team', 'payments']);
    expect(h.out()).toContain('  key:      gk_new\n');
    expect(h.out()).toContain('shown only once');
    await expect(h.run(keysVerb, ['create'])).rejects.toThrow(/missing --team/);
    await expect(h.run(keysVerb, ['create', '--team', 't', '--expires-in', 'later'])).rejects.toThrow(ArgsError);
  });

  it('keys rotate sends the grace period in seconds; revoke posts to revoke', async () => {
    const h = harness((c) =>
      c.path.endsWith('/rotate') ? Response.json({ key: 'gk_2', name: 'ci', displayPrefix: 'gk_2', previousKeyValidUntil: '2026-05-01T13:00:00Z' }) : Response.json({}),
    );
    await h.run(keysVerb, ['rotate', 'ci', '--grace', '1h']);
    expect(JSON.parse(h.calls[0]!.body)).toEqual({ gracePeriodSeconds: 3600 });
    expect(h.out()).toContain('until 2026-05-01T13:00:00Z');
    await h.run(keysVerb, ['revoke', 'ci']);
    expect(h.calls[1]).toMatchObject({ method: 'POST', path: '/apikeys/ci/revoke' });
    await expect(h.run(keysVerb, ['rotate', 'ci', '--grace', '31d'])).rejects.toThrow(/at most 30d/);
    await expect(h.run(keysVerb, ['list'])).rejects.toThrow(/unknown subcommand "list"/);
  });

  it('agents <action> posts the target state and reason', async () => {
    const h = harness(() => Response.json({}));
    await h.run(agentsVerb, ['suspend', 'bot', '--reason', 'incident 42']);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/agents/bot/lifecycle' });
    expect(JSON.parse(h.calls[0]!.body)).toEqual({ to: 'suspended', reason: 'incident 42' });
    expect(h.out()).toBe('agent/bot is now suspended\n');
    await expect(h.run(agentsVerb, ['pause', 'bot'])).rejects.toThrow(/unknown action "pause"/);
  });

  it('delete sends DELETE per name and surfaces a conflict', async () => {
    const h = harness((c) =>
      c.path === '/teams/busy'
        ? Response.json({ error: { code: 'GW_RESOURCE_IN_USE', message: 'Team "busy" is used by ApiKey "k".' } }, { status: 409 })
        : new Response(null, { status: 204 }),
    );
    await h.run(deleteVerb, ['team', 'idle']);
    expect(h.out()).toBe('team/idle deleted\n');
    const err = (await h.run(deleteVerb, ['teams', 'busy']).catch((e: unknown) => e)) as CliError;
    expect(formatCliError(err)).toBe('error GW_RESOURCE_IN_USE: Team "busy" is used by ApiKey "k".\n');
    await expect(h.run(deleteVerb, ['team'])).rejects.toThrow(/missing the name/);
  });
});

describe('gantry login / logout', () => {
  it('login --token verifies with whoami, then stores the token (0600) as the current server', async () => {
    const h = harness((c) =>
      c.auth === 'Bearer gut_alice' ? Response.json({ actor: 'user:alice', user: 'alice', platformRoles: [], teams: [{ team: 'a', role: 'developer' }] }) : new Response(null, { status: 401 }),
    );
    await h.run(loginVerb, ['--token', 'gut_alice', '--server', 'https://gw.example/']);
    const path = cliConfigPath(h.ctx.env);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ current: 'https://gw.example', servers: { 'https://gw.example': { token: 'gut_alice', user: 'alice' } } });
    expect(h.out()).toContain('Logged in to https://gw.example as user:alice');
    await h.run(logoutVerb, ['--server', 'https://gw.example']);
    expect(JSON.parse(readFileSync(path, 'utf8')).servers).toEqual({});
  });

  it('login does not store a token the server refuses', async () => {
    const h = harness(() => Response.json({ error: { code: 'GW_ADMIN_AUTH_REQUIRED', message: 'bad token' } }, { status: 401 }));
    await expect(h.run(loginVerb, ['--token', 'nope'])).rejects.toThrow(CliError);
    expect(() => readFileSync(cliConfigPath(h.ctx.env))).toThrow();
    await expect(h.run(loginVerb, [])).rejects.toThrow(/--token <token> or --sso/);
  });
});

describe('gantry audit verify', () => {
  function chain(n: number) {
    let prev = GENESIS_HASH;
    return Array.from({ length: n }, (_, i) => {
      const f = { seq: i + 1, ts: NOW + i, actor: 'admin-token', action: 'apply', kind: 'Team', name: `t${i + 1}`, team: `t${i + 1}`, outcome: 'created', requestId: `r${i}`, sourceIp: '127.0.0.1', before: null, after: { spec: {} }, diff: [] };
      const hash = auditHash(prev, { ...f });
      const e = { ...f, prevHash: prev, hash };
      prev = hash;
      return e;
    });
  }

  /** Serves the chain 2 entries per page, like the server does with `after`/`next`; `/audit/verify` answers `sealed`. */
  function serve(entries: ReturnType<typeof chain>, sealed: unknown = { ok: true, entries: entries.length }): Handler {
    return (c) => {
      if (c.path === '/audit/verify') return Response.json(sealed);
      const after = Number(c.query.get('after'));
      const items = entries.filter((e) => e.seq > after).slice(0, 2);
      const last = items.at(-1);
      return Response.json({ items, next: last && entries.some((e) => e.seq > last.seq) ? last.seq : null });
    };
  }

  it('walks every page and prints the head', async () => {
    const entries = chain(5);
    const h = harness(serve(entries));
    expect(await h.run(auditVerb, ['verify'])).toBe(0);
    expect(h.calls.filter((c) => c.path === '/audit').map((c) => c.query.get('after'))).toEqual(['0', '2', '4']);
    expect(h.calls[0]?.query.get('limit')).toBe('1000');
    expect(h.out()).toBe(`audit log verified: 5 entries, head ${entries[4]!.hash.slice(0, 12)} (chain recomputed here; seals checked by the server)\n`);
  });

  it('exits 1 when the server finds a broken seal (a rewrite with recomputed hashes)', async () => {
    const entries = chain(3);
    const h = harness(serve(entries, { ok: false, entries: 1, firstBroken: { seq: 2, actor: 'admin-token', action: 'apply', reason: 'its seal does not match' } }));
    expect(await h.run(auditVerb, ['verify'])).toBe(1);
    expect(h.out()).toContain('BROKEN at entry #2');
  });

  it('--expect-head: exits 1 when a head recorded earlier is gone (newest entries removed)', async () => {
    const entries = chain(5);
    const head = entries[4]!.hash.slice(0, 12);
    expect(await harness(serve(entries)).run(auditVerb, ['verify', '--expect-head', head])).toBe(0);
    const truncated = harness(serve(entries.slice(0, 3)));
    expect(await truncated.run(auditVerb, ['verify', '--expect-head', head])).toBe(1);
    expect(truncated.out()).toContain('no longer in the log');
  });

  it('exits 1 naming the tampered entry', async () => {
    const entries = chain(5);
    entries[3] = { ...entries[3]!, outcome: 'denied' };
    const h = harness(serve(entries));
    expect(await h.run(auditVerb, ['verify'])).toBe(1);
    expect(h.out()).toMatch(/^audit log is BROKEN at entry #4 \(2026-05-01T12:00:00\.003Z, admin-token apply Team\/t4\): its content does not match/);
  });

  it('exits 1 on a gap', async () => {
    const entries = chain(5).filter((e) => e.seq !== 2);
    const h = harness(serve(entries));
    expect(await h.run(auditVerb, ['verify'])).toBe(1);
    expect(h.out()).toContain('BROKEN at entry #3');
    expect(h.out()).toContain('entry #2 is missing');
  });

  it('audit list prints a table, oldest first, up to --limit', async () => {
    const h = harness(serve(chain(5)));
    await h.run(auditVerb, ['list', '--limit', '3']);
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+ACTOR\s+ACTION\s+RESOURCE\s+TEAM\s+OUTCOME$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['1', '2', '3']);
  });
});
