import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { cliConfigPath, normalizeServer, readCliConfig, withLogin, withoutLogin, writeCliConfig } from './cli-config.js';

describe('CLI config file', () => {
  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(cliConfigPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/gantry/config.json');
    expect(cliConfigPath({ HOME: '/home/me' })).toBe('/home/me/.config/gantry/config.json');
  });

  it('is written with the directory 0700 and the file 0600, and read back', () => {
    const path = cliConfigPath({ XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'gantry-cfg-')) });
    const config = withLogin(readCliConfig(path), 'http://gw.example:4000/', { token: 'gut_secret', user: 'alice', expiresAt: '2030-01-01T00:00:00Z' });
    writeCliConfig(path, config);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readCliConfig(path)).toEqual({
      current: 'http://gw.example:4000',
      servers: { 'http://gw.example:4000': { token: 'gut_secret', user: 'alice', expiresAt: '2030-01-01T00:00:00Z' } },
    });
  });

  it('tightens a file that was created world-readable', () => {
    const path = cliConfigPath({ XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'gantry-cfg-')) });
    writeCliConfig(path, { servers: {} });
    writeFileSync(path, '{"servers":{}}', { mode: 0o644 });
    writeCliConfig(path, withLogin(readCliConfig(path), 'http://a', { token: 't' }));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('reads a missing file as empty and a corrupt one as a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-cfg-'));
    expect(readCliConfig(join(dir, 'none.json'))).toEqual({ servers: {} });
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(() => readCliConfig(join(dir, 'bad.json'))).toThrow(CliError);
  });

  it('keeps one login per server and removes one on logout', () => {
    let c = withLogin({ servers: {} }, 'http://a', { token: '1' });
    c = withLogin(c, 'http://b/', { token: '2' });
    expect(c.current).toBe('http://b');
    c = withoutLogin(c, 'http://a');
    expect(Object.keys(c.servers)).toEqual(['http://b']);
    expect(normalizeServer(' http://x:1// ')).toBe('http://x:1');
  });
});
