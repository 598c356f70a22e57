import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, runGantry, startGantry } from './helpers/processes.js';

// The `gantry` CLI as a user runs it: child processes of bin/gantry.js against a real gateway process.
const FIXTURES = resolve(import.meta.dirname, 'fixtures/control-plane');

let g: RunningGantry;
let work: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runGantry(args, env);

beforeAll(async () => {
  g = await startGantry();
  work = mkdtempSync(join(tmpdir(), 'gantry-cli-e2e-'));
  // A copy, because the diff test edits a file.
  cpSync(FIXTURES, join(work, 'control-plane'), { recursive: true });
  // An empty config home, so a developer's own ~/.config/gantry login never leaks into the test.
  env = { GANTRY_URL: g.url, GANTRY_TOKEN: g.adminToken, XDG_CONFIG_HOME: join(work, 'config'), GANTRY_DATA_DIR: join(work, 'no-data') };
});
afterAll(async () => {
  await g?.stop();
});

describe('gantry CLI against a running gateway', () => {
  it('applies a directory of YAML and JSON files in one request, printing the generated key once', async () => {
    const { code, output } = await cli('apply', '-f', join(work, 'control-plane'));
    expect(output).toContain('team/team-a created');
    expect(code).toBe(0);
    for (const line of ['team/team-b created', 'user/alice created', 'user/bob created', 'user/carol created', 'provider/e2e-sim created', 'model/e2e-chat created', 'apikey/team-a-ci created', 'agent/triage created']) {
      expect(output).toContain(line);
    }
    expect(output).toMatch(/apikey\/team-a-ci: gk_\S+/);
    expect(output).toContain('shown only once');
  });

  it('gets resources as a table, as JSON and as YAML that applies back unchanged', async () => {
    const table = await cli('get', 'teams');
    expect(table.code).toBe(0);
    expect(table.output).toMatch(/^NAME\s+DISPLAY-NAME\s+AGE\n/);
    expect(table.output).toMatch(/team-a\s+Team A\s+\d+s/);

    const json = await cli('get', 'users', '-o', 'json');
    expect(json.code).toBe(0);
    const users = JSON.parse(json.output) as { items: { metadata: { name: string }; spec: Record<string, unknown> }[] };
    expect(users.items.map((u) => u.metadata.name)).toEqual(['alice', 'bob', 'carol']);
    expect(users.items[2]?.spec.roles).toEqual(['finops-viewer']);

    const selected = await cli('get', 'team', '-l', 'tier=2', '-o', 'json');
    expect((JSON.parse(selected.output) as { items: { metadata: { name: string } }[] }).items.map((t) => t.metadata.name)).toEqual(['team-b']);

    const yaml = await cli('get', 'agents', '-o', 'yaml');
    expect(yaml.code).toBe(0);
    const docs = parseAllDocuments(yaml.output).map((d) => d.toJS() as { kind: string; spec: { owner: string } });
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: 'Agent', spec: { owner: 'team-a' } });
    const file = join(work, 'agents-export.yaml');
    writeFileSync(file, yaml.output);
    const reapply = await cli('apply', '-f', file);
    expect(reapply.output).toContain('agent/triage unchanged');
    expect(reapply.code).toBe(0);

    const keys = await cli('get', 'keys');
    expect(keys.output).toMatch(/^NAME\s+TEAM\s+AGENT\s+PREFIX\s+EXPIRES\s+STATUS\s+LAST-USED\n/);
    expect(keys.output).toMatch(/team-a-ci\s+team-a\s+-\s+\S+\s+-\s+active\s+never/);
  });

  it('diff shows an edited field and changes nothing', async () => {
    const path = join(work, 'control-plane/01-teams.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('displayName: Team A', 'displayName: Team Alpha'));
    const { code, output } = await cli('diff', '-f', join(work, 'control-plane'));
    expect(code).toBe(0);
    expect(output).toContain('team/team-a would be updated');
    expect(output).toContain('~ spec.displayName: Team A → Team Alpha');
    expect(output).not.toContain('team/team-b');
    const after = JSON.parse((await cli('get', 'team', 'team-a', '-o', 'json')).output) as { spec: { displayName: string } };
    expect(after.spec.displayName).toBe('Team A');
  });

  it('moves an agent through its lifecycle', async () => {
    expect((await cli('agents', 'approve', 'triage', '--reason', 'reviewed')).output).toContain('agent/triage is now approved');
    const { code, output } = await cli('agents', 'activate', 'triage');
    expect(output).toContain('agent/triage is now active');
    expect(code).toBe(0);
    expect((await cli('get', 'agents')).output).toMatch(/triage\s+team-a\s+active\s+alice/);
    const skip = await cli('agents', 'retire', 'triage');
    expect(skip.code).toBe(1);
    expect(skip.output).toContain('GW_LIFECYCLE_INVALID');
  });

  it('creates a key whose JSON secret works with the OpenAI SDK, and stops working once revoked', async () => {
    const created = await cli('keys', 'create', '--team', 'team-a', '--name', 'e2e-sdk', '--expires-in', '1d', '-o', 'json');
    expect(created.code).toBe(0);
    const body = JSON.parse(created.output) as { key: string; name: string; team: string };
    expect(body).toMatchObject({ name: 'e2e-sdk', team: 'team-a' });
    expect(body.key).toMatch(/^gk_/);

    const openai = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: body.key, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: 'e2e-chat', messages: [{ role: 'user', content: 'hello' }] });
    // The new key reaches the data plane with the next snapshot: allow it a moment.
    const answer = await eventually(async () => ask().catch(() => undefined));
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);

    const revoked = await cli('keys', 'revoke', 'e2e-sdk');
    expect(revoked.output).toContain('apikey/e2e-sdk revoked');
    expect(revoked.code).toBe(0);
    const status = await eventually(async () => {
      const s = await ask().then(
        () => 200,
        (err: unknown) => (err as { status?: number }).status,
      );
      return s === 401 ? s : undefined;
    });
    expect(status).toBe(401);
  });

  it('deletes a resource', async () => {
    const del = await cli('delete', 'apikey', 'team-a-ci');
    expect(del.output).toContain('apikey/team-a-ci deleted');
    expect(del.code).toBe(0);
    const gone = await cli('get', 'apikey', 'team-a-ci');
    expect(gone.code).toBe(1);
    expect(gone.output).toContain('GW_RESOURCE_NOT_FOUND');
  });

  it('exits 1 on an invalid file, listing every problem, and applies nothing', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: team-c}\nspec: {displayName: Team C}',
        'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: team-d}\nspec: {colour: blue}',
        'apiVersion: gantry/v1alpha1\nkind: Agent\nmetadata: {name: orphan}\nspec: {description: no owner}',
      ].join('\n---\n'),
    );
    const { code, output } = await cli('apply', '-f', bad);
    expect(code).toBe(1);
    expect(output).toContain('error GW_RESOURCE_INVALID');
    expect(output).toMatch(/bad\.yaml: document 2 \(Team "team-d"\): spec(\.colour)?: .+/);
    expect(output).toMatch(/bad\.yaml: document 3 \(Agent "orphan"\): spec(\.owner)?: .+/);
    const notThere = await cli('get', 'team', 'team-c');
    expect(notThere.code).toBe(1);
  });

  it('exits 1 naming the URL when the server is unreachable', async () => {
    const { code, output } = await runGantry(['get', 'teams'], { ...env, GANTRY_URL: 'http://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(output).toContain('cannot reach Gantry at http://127.0.0.1:9');
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['apply', '--bogus'], ['get', 'teams', '-o', 'xml'], ['get'], ['frobnicate'], ['keys', 'create']]) {
      const { code, output } = await cli(...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(output.length).toBeGreaterThan(0);
    }
    const help = await cli('keys', '--help');
    expect(help.code).toBe(0);
    expect(help.output).toContain('gantry keys create --team T');
  });

  it('verifies the audit log written by all of the above', async () => {
    const { code, output } = await cli('audit', 'verify');
    expect(output).toMatch(/^audit log verified: \d+ entries, head [0-9a-f]{12} \(chain recomputed here; seals checked by the server\)\n$/);
    expect(code).toBe(0);
  });
});
