import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedBrowser } from '../helpers/browser.js';
import { startTestIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-provider.js';
import { ADMIN_TOKEN, type RunningGantry, runGantry, startGantry } from './helpers/processes.js';

/**
 * SSO end to end: a real OpenID Provider, a real gateway process and `gantry login --sso` as a user
 * runs it. The identity provider's groups become a team role (Team.spec.ssoGroups) and a platform
 * role (GANTRY_OIDC_ROLE_MAP); the CLI stores the user token and `gantry whoami` shows the roles.
 */
const BIN = resolve(import.meta.dirname, '../../bin/gantry.js');
let idp: TestIdentityProvider;
let g: RunningGantry;
let configHome: string;

beforeAll(async () => {
  idp = await startTestIdentityProvider({
    accounts: { erin: { email: 'erin@example.com', email_verified: true, name: 'Erin Example', groups: ['eng-a', 'finance'] } },
    redirectUris: ['http://127.0.0.1/callback'],
  });
  g = await startGantry({
    env: { GANTRY_OIDC_ISSUER: idp.issuer, GANTRY_OIDC_CLIENT_ID: idp.clientId, GANTRY_OIDC_ALLOW_HTTP: '1', GANTRY_OIDC_ROLE_MAP: 'finance=finops-viewer' },
  });
  configHome = mkdtempSync(join(tmpdir(), 'gantry-sso-cli-'));
  const team = 'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: team-a}\nspec: {ssoGroups: [{group: eng-a, role: developer}]}\n';
  const r = await fetch(`${g.url}/admin/v1/apply`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' }, body: team });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await Promise.all([g?.stop(), idp?.close()]);
});

/** Runs `gantry login --sso --no-browser`, acting as the user's browser on the URL it prints. */
function loginWithSso(): Promise<{ code: number | null; output: string }> {
  const browser = createScriptedBrowser('erin');
  const env = { ...process.env, XDG_CONFIG_HOME: configHome, GANTRY_TOKEN: '', GANTRY_URL: '' };
  const proc = spawn(process.execPath, [BIN, 'login', '--sso', '--no-browser', '--server', g.url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let visiting = false;
  const onData = (d: Buffer) => {
    output += d.toString();
    const url = output.split('\n').find((l) => l.trim().startsWith(`${idp.issuer}/`));
    if (url && !visiting) {
      visiting = true;
      browser.visit(url.trim()).catch((err: unknown) => {
        output += `\n[browser] ${String(err)}`;
      });
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  return new Promise((done) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('SSO login from the CLI', () => {
  it('logs in through the identity provider, maps groups to roles and stores the token for later commands', async () => {
    const login = await loginWithSso();
    expect(login.code, `${login.output}\n${idp.errors.join('\n')}`).toBe(0);
    const who = await runGantry(['whoami', '-o', 'json', '--server', g.url], { XDG_CONFIG_HOME: configHome, GANTRY_TOKEN: '', GANTRY_URL: '' });
    expect(who.code, who.output).toBe(0);
    expect(JSON.parse(who.output)).toEqual({ actor: 'user:erin', user: 'erin', platformRoles: ['finops-viewer'], teams: [{ team: 'team-a', role: 'developer' }], tokenExpiresAt: expect.any(String) });
  });

  it('provisions the user once (a second login finds it again) and audits each login', async () => {
    expect((await loginWithSso()).code).toBe(0);
    const users = await fetch(`${g.url}/admin/v1/users`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const items = ((await users.json()) as { items: { metadata: { name: string; createdBy: string }; spec: { email?: string } }[] }).items;
    expect(items.map((u) => [u.metadata.name, u.metadata.createdBy, u.spec.email])).toEqual([['erin', 'system:sso', 'erin@example.com']]);
    const audit = await fetch(`${g.url}/admin/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const logins = ((await audit.json()) as { items: { action: string; name: string }[] }).items.filter((e) => e.action === 'login');
    expect(logins.map((e) => e.name)).toEqual(['erin', 'erin']);
  });
});
