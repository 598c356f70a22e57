import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness, NOW } from '../../../test/helpers/cli-harness.js';
import { ArgsError } from '../args.js';
import { CliError } from '../cli-error.js';
import { formatTable } from '../output.js';
import { resolveKind } from '../resource-kinds.js';
import { secretsVerb } from './secrets.js';

const answer = (currentVersion: number, versions: { version: number; validUntil?: string }[], extra: Record<string, unknown> = {}) =>
  Response.json({ kind: 'Secret', metadata: { name: 'openai-prod' }, spec: {}, status: { currentVersion, versions }, ...extra });

describe('gantry secrets', () => {
  it('create reads the value from a file (one trailing newline dropped) and never prints it', async () => {
    const h = harness(() => answer(1, [{ version: 1 }]));
    writeFileSync(join(h.dir, 'key.txt'), 'sk-from-file-0001\n');
    await h.run(secretsVerb, ['create', 'openai-prod', '--from-file', 'key.txt', '--description', 'prod key', '--grace', '2h']);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/secrets', contentType: 'application/json' });
    expect(JSON.parse(h.calls[0]!.body)).toEqual({ name: 'openai-prod', value: 'sk-from-file-0001', description: 'prod key', rotationGraceSeconds: 7200 });
    expect(h.out()).toBe('secret/openai-prod created (version 1); the value is stored encrypted and never shown again\n');
    expect(h.out() + h.err()).not.toContain('sk-from-file');
  });

  it('reads the value from an environment variable of the shell or from stdin', async () => {
    const h = harness(() => answer(1, [{ version: 1 }]));
    await secretsVerb.run(['create', 'a', '--from-env', 'MY_KEY'], { ...h.ctx, env: { ...h.ctx.env, MY_KEY: 'sk-env-0002' } });
    expect(JSON.parse(h.calls[0]!.body).value).toBe('sk-env-0002');
    await secretsVerb.run(['create', 'b', '--from-stdin', '-o', 'json'], { ...h.ctx, readStdin: async () => 'sk-stdin-0003\r\n' });
    expect(JSON.parse(h.calls[1]!.body).value).toBe('sk-stdin-0003');
    expect(JSON.parse(h.out().slice(h.out().indexOf('{'))).status.currentVersion).toBe(1);
    await expect(h.run(secretsVerb, ['create', 'c', '--from-env', 'UNSET_VAR'])).rejects.toThrow(CliError);
    await expect(h.run(secretsVerb, ['create', 'c', '--from-stdin'])).rejects.toThrow(/the value is empty/);
    expect(h.calls).toHaveLength(2);
  });

  it('never takes the value as an argument, and needs exactly one source', async () => {
    const h = harness(() => answer(1, []));
    const positional = h.run(secretsVerb, ['create', 'openai-prod', 'sk-typed-on-the-command-line']);
    await expect(positional).rejects.toThrow(ArgsError);
    await expect(positional).rejects.toThrow(/never an argument/);
    await expect(positional).rejects.not.toThrow(/sk-typed/);
    await expect(h.run(secretsVerb, ['create', 'x'])).rejects.toThrow(/exactly one of --from-file/);
    await expect(h.run(secretsVerb, ['rotate', 'x', '--from-stdin', '--from-env', 'A'])).rejects.toThrow(/exactly one of/);
    await expect(h.run(secretsVerb, ['rotate', 'x', '--from-env', 'A', '--grace', '31d'])).rejects.toThrow(/at most 30d/);
    await expect(h.run(secretsVerb, ['list'])).rejects.toThrow(/unknown subcommand "list"/);
    expect(h.calls).toHaveLength(0);
  });

  it('rotate sends the grace period (0 allowed) and says how long the previous version stays valid', async () => {
    let body: unknown;
    const h = harness((c) => {
      body = JSON.parse(c.body);
      return (body as { gracePeriodSeconds?: number }).gracePeriodSeconds === 0
        ? answer(3, [{ version: 3 }], { rotated: true })
        : answer(2, [{ version: 2 }, { version: 1, validUntil: '2026-05-01T13:00:00.000Z' }], { rotated: true });
    });
    const ctx = { ...h.ctx, env: { ...h.ctx.env, NEW_KEY: 'sk-rotated-0004' } };
    await secretsVerb.run(['rotate', 'openai-prod', '--from-env', 'NEW_KEY', '--grace', '1h'], ctx);
    expect(h.calls[0]).toMatchObject({ method: 'POST', path: '/secrets/openai-prod/rotate' });
    expect(body).toEqual({ value: 'sk-rotated-0004', gracePeriodSeconds: 3600 });
    expect(h.out()).toBe('secret/openai-prod rotated to version 2; version 1 stays valid until 2026-05-01T13:00:00.000Z\n');
    await secretsVerb.run(['rotate', 'openai-prod', '--from-env', 'NEW_KEY', '--grace', '0'], ctx);
    expect(body).toEqual({ value: 'sk-rotated-0004', gracePeriodSeconds: 0 });
    expect(h.out()).toContain('rotated to version 3; the previous version is no longer valid\n');
  });

  it('rewrap prints what moved to the new master key and fails on Secrets it could not open', async () => {
    const ok = harness(() => Response.json({ kid: 'abcd', rewrapped: ['a', 'b'], unchanged: 1, failed: [] }));
    expect(await ok.run(secretsVerb, ['rewrap'])).toBe(0);
    expect(ok.out()).toBe('re-wrapped 2 Secret(s) under master key abcd; 1 already were\n');
    const bad = harness(() => Response.json({ kid: 'abcd', rewrapped: [], unchanged: 0, failed: [{ name: 'c', message: 'It was encrypted with master key id ffff' }] }));
    expect(await bad.run(secretsVerb, ['rewrap'])).toBe(1);
    expect(bad.err()).toBe('secret/c: It was encrypted with master key id ffff\n');
  });

  it('gantry get secrets shows the current version, a previous one in its grace window, and the source', () => {
    const info = resolveKind('secrets');
    const rows = [
      { metadata: { name: 'openai-prod', createdAt: '2026-04-30T12:00:00Z' }, spec: {}, status: { currentVersion: 2, versions: [{ version: 2 }, { version: 1, validUntil: new Date(NOW + 45 * 60_000).toISOString() }] } },
      { metadata: { name: 'github', createdAt: '2026-05-01T11:00:00Z' }, spec: { fromEnv: { fromEnv: 'GH_TOKEN' } }, status: { currentVersion: 1, versions: [{ version: 1 }] } },
    ];
    const out = formatTable(
      info.columns.map((c) => c.header),
      rows.map((r) => info.columns.map((c) => c.value(r, NOW))),
    );
    expect(out.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+PREVIOUS\s+SOURCE\s+AGE$/);
    expect(out).toMatch(/openai-prod\s+2\s+v1 for 45m\s+value\s+1d/);
    expect(out).toMatch(/github\s+1\s+-\s+env:GH_TOKEN\s+1h/);
  });
});
