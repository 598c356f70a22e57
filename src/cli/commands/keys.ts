import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs, parseDuration, splitList } from '../args.js';
import type { CliContext, Verb } from '../context.js';
import { toJson } from '../output.js';

interface CreatedKey {
  readonly key: string;
  readonly name: string;
  readonly team?: string;
  readonly agent?: string | null;
  readonly displayPrefix?: string;
  readonly expiresAt?: string | null;
}

interface RotatedKey {
  readonly key: string;
  readonly name: string;
  readonly displayPrefix?: string;
  readonly previousKeyValidUntil?: string;
}

const MAX_GRACE_SECONDS = 2_592_000;

function onceWarning(server: string): string {
  return (
    '\nStore the key now (a secret manager, your CI secrets): it is shown only once and cannot be retrieved later.\n' +
    `Clients use it as "Authorization: Bearer <key>" against ${server}/v1 (OPENAI_BASE_URL / OPENAI_API_KEY).\n`
  );
}

async function create(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, {
    flags: [],
    options: ['team', 'agent', 'name', 'user', 'expires-in', 'models', 'agents', 'description', 'output', ...CONNECTION_OPTIONS],
    short: { o: 'output' },
  });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}" (use --name to name the key)`);
  const o = args.options;
  if (o.team === undefined) throw new ArgsError('missing --team <team>: every key belongs to a team');
  const json = jsonOutput(o.output);
  const expiresIn = o['expires-in'] === undefined ? undefined : parseDuration(o['expires-in'], '--expires-in');
  const body = {
    team: o.team,
    ...(o.agent !== undefined ? { agent: o.agent } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(expiresIn !== undefined ? { expiresAt: new Date(ctx.now() + expiresIn * 1000).toISOString() } : {}),
    ...(o.models !== undefined ? { models: splitList(o.models) } : {}),
    ...(o.agents !== undefined ? { agents: splitList(o.agents) } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
  };
  const client = createAdminClient(ctx, o);
  const created = await client.request<CreatedKey>('POST', '/apikeys', { json: body });
  if (json) {
    ctx.out(toJson(created));
    return 0;
  }
  ctx.out(
    `API key "${created.name}" created for team ${created.team ?? o.team}${created.agent ? ` (agent ${created.agent})` : ''}\n` +
      `  key:      ${created.key}\n` +
      `  prefix:   ${created.displayPrefix ?? '-'}\n` +
      `  expires:  ${created.expiresAt ?? 'never'}\n` +
      onceWarning(client.target.server),
  );
  return 0;
}

async function rotate(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['grace', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  const [name, extra] = args.positionals;
  if (name === undefined) throw new ArgsError('missing the name of the key to rotate');
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  const json = jsonOutput(args.options.output);
  const grace = args.options.grace === undefined ? undefined : parseDuration(args.options.grace, '--grace');
  if (grace !== undefined && grace > MAX_GRACE_SECONDS) throw new ArgsError('--grace can be at most 30d');
  const client = createAdminClient(ctx, args.options);
  const rotated = await client.request<RotatedKey>('POST', `/apikeys/${encodeURIComponent(name)}/rotate`, {
    json: grace !== undefined ? { gracePeriodSeconds: grace } : {},
  });
  if (json) {
    ctx.out(toJson(rotated));
    return 0;
  }
  ctx.out(
    `API key "${rotated.name}" rotated\n` +
      `  key:      ${rotated.key}\n` +
      `  prefix:   ${rotated.displayPrefix ?? '-'}\n` +
      `  the previous key keeps working until ${rotated.previousKeyValidUntil ?? 'now'}\n` +
      onceWarning(client.target.server),
  );
  return 0;
}

async function revoke(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  const [name, extra] = args.positionals;
  if (name === undefined) throw new ArgsError('missing the name of the key to revoke');
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  const json = jsonOutput(args.options.output);
  const client = createAdminClient(ctx, args.options);
  const resource = await client.request<unknown>('POST', `/apikeys/${encodeURIComponent(name)}/revoke`, { json: {} });
  if (json) ctx.out(toJson(resource));
  else ctx.out(`apikey/${name} revoked: requests with it are refused from now on\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[], ctx: CliContext) => Promise<number>> = { create, rotate, revoke };

export const keysVerb: Verb = {
  summary: 'Create, rotate and revoke API keys',
  help: `Usage:
  gantry keys create --team T [--agent A] [--name N] [--user U] [--expires-in 30d|12h]
                     [--models a,b] [--agents x,y] [--description D] [-o json]
  gantry keys rotate <name> [--grace 1h] [-o json]
  gantry keys revoke <name>

create   makes a key for a team (optionally bound to an agent and limited to models/agents) and
         prints its secret once; "-o json" prints the server's JSON {"key":"gk_…",…} only.
rotate   issues a new secret; the old one keeps working for the grace period (default 1h, max 30d).
revoke   stops the key at once.
List keys with "gantry get keys".

Options: --server <url> (Gantry URL), --token <token> (admin or user token)
`,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run) throw new ArgsError(sub === undefined ? 'missing a subcommand: create, rotate or revoke' : `unknown subcommand "${sub}": use create, rotate or revoke`);
    return run(rest, ctx);
  },
};
