import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliContext, Verb } from '../../src/cli/context.js';

/** A fixed clock for CLI unit tests (ages, expiry). */
export const NOW = Date.parse('2026-05-01T12:00:00Z');

export interface Call {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | null;
  readonly auth: string | null;
  readonly body: string;
}

export type Handler = (call: Call) => Response | Promise<Response>;

/** A CLI context around a fake admin API: records every call, answers with `handler`. */
export function harness(handler: Handler) {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-cmd-'));
  const calls: Call[] = [];
  let out = '';
  let err = '';
  const ctx: CliContext = {
    env: { XDG_CONFIG_HOME: join(dir, 'config'), GANTRY_URL: 'http://127.0.0.1:4999', GANTRY_TOKEN: 'gat_test' },
    cwd: dir,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    fetch: async (input, init) => {
      const url = new URL(String(input));
      const headers = new Headers(init?.headers);
      const call: Call = {
        method: init?.method ?? 'GET',
        path: url.pathname.replace('/admin/v1', ''),
        query: url.searchParams,
        contentType: headers.get('content-type'),
        auth: headers.get('authorization'),
        body: typeof init?.body === 'string' ? init.body : '',
      };
      calls.push(call);
      return handler(call);
    },
    now: () => NOW,
    readStdin: async () => '',
  };
  const run = async (verb: Verb, argv: string[]) => verb.run(argv, ctx);
  return { ctx, dir, calls, run, out: () => out, err: () => err };
}

