import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs, parseDuration } from '../args.js';
import type { CliContext, Verb } from '../context.js';
import { field, formatTable, shorten, toJson } from '../output.js';

const ACTIONS: Readonly<Record<string, { flag: string; field: string }>> = {
  invoke_model: { flag: 'model', field: 'model' },
  call_tool: { flag: 'tool', field: 'tool' },
  read_secret: { flag: 'secret', field: 'secret' },
};

interface GrantResource {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly principal: { team: string; agent?: string; user?: string; apiKey?: string };
    readonly action: string;
    readonly resource: { model?: string; tool?: string; secret?: string };
    readonly reason: string;
    readonly expiresAt: string;
    readonly approver?: string;
  };
  readonly status?: { readonly state?: string };
}

interface ListPage {
  readonly items: GrantResource[];
  readonly continue?: string | null;
}

/** `+2h`, `+1d` (from now) or an RFC 3339 date-time. */
export function parseExpires(value: string, now: number): string {
  if (value.startsWith('+')) return new Date(now + parseDuration(value.slice(1), '--expires') * 1000).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new ArgsError(`--expires must be an RFC 3339 date-time (2026-05-01T18:00:00Z) or a duration from now (+2h, +1d); got "${value}"`);
  }
  return value;
}

async function request(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, {
    flags: [],
    options: ['team', 'agent', 'user', 'key', 'action', 'model', 'tool', 'secret', 'reason', 'expires', 'approver', 'output', ...CONNECTION_OPTIONS],
    short: { o: 'output' },
  });
  const [name, extra] = args.positionals;
  if (name === undefined) throw new ArgsError('missing the name of the grant (e.g. incident-4211)');
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  const o = args.options;
  if (o.team === undefined) throw new ArgsError('missing --team <team>: the team the grant is for');
  const narrowed = (['agent', 'user', 'key'] as const).filter((k) => o[k] !== undefined);
  if (narrowed.length > 1) throw new ArgsError('give at most one of --agent, --user or --key');
  const action = o.action === undefined ? undefined : ACTIONS[o.action];
  if (!o.action || !action) throw new ArgsError(`--action must be one of ${Object.keys(ACTIONS).join(', ')}`);
  const target = o[action.flag];
  const others = Object.values(ACTIONS).filter((a) => a.flag !== action.flag && o[a.flag] !== undefined);
  if (target === undefined || others.length > 0) throw new ArgsError(`--action ${o.action} needs --${action.flag} <name> (and no ${Object.values(ACTIONS).filter((a) => a !== action).map((a) => `--${a.flag}`).join(' or ')})`);
  if (o.reason === undefined) throw new ArgsError('missing --reason <text>: why the exception is needed (kept in the audit log)');
  if (o.expires === undefined) throw new ArgsError('missing --expires <RFC 3339 | +2h | +1d>: when the grant ends (at most 30 days)');
  const json = jsonOutput(o.output);
  const doc = {
    apiVersion: 'gantry/v1alpha1',
    kind: 'Grant',
    metadata: { name },
    spec: {
      principal: {
        team: o.team,
        ...(o.agent !== undefined ? { agent: o.agent } : {}),
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.key !== undefined ? { apiKey: o.key } : {}),
      },
      action: o.action,
      resource: { [action.field]: target },
      reason: o.reason,
      expiresAt: parseExpires(o.expires, ctx.now()),
      ...(o.approver !== undefined ? { approver: o.approver } : {}),
    },
  };
  const client = createAdminClient(ctx, o);
  await client.request<unknown>('POST', '/apply', { raw: { contentType: 'application/json', text: JSON.stringify(doc) } });
  const grant = await client.request<GrantResource>('GET', `/grants/${encodeURIComponent(name)}`);
  if (json) {
    ctx.out(toJson(grant));
    return 0;
  }
  const state = grant.status?.state ?? 'pending';
  const next =
    state === 'approved'
      ? 'approved: it is in effect now'
      : `pending: ${grant.spec.approver ? `"${grant.spec.approver}" or a platform admin` : 'a platform admin'} approves it with "gantry grants approve ${name}"`;
  ctx.out(`grant/${name} requested (${o.action} ${target} for ${principalLabel(grant.spec.principal)} until ${grant.spec.expiresAt}), ${next}\n`);
  return 0;
}

/** Who a grant is for: `agent:x`, `user:x`, `key:x`, or `team:x` (also the PRINCIPAL column of `gantry get grants`). */
export function principalLabel(p: Partial<GrantResource['spec']['principal']>): string {
  if (p.agent !== undefined) return `agent:${p.agent}`;
  if (p.user !== undefined) return `user:${p.user}`;
  if (p.apiKey !== undefined) return `key:${p.apiKey}`;
  return `team:${p.team ?? '-'}`;
}

function transition(verb: 'approve' | 'revoke') {
  return async function run(argv: string[], ctx: CliContext): Promise<number> {
    const args = parseArgs(argv, { flags: [], options: [...(verb === 'revoke' ? ['reason'] : []), 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
    const [name, extra] = args.positionals;
    if (name === undefined) throw new ArgsError(`missing the name of the grant to ${verb}`);
    if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
    const json = jsonOutput(args.options.output);
    const client = createAdminClient(ctx, args.options);
    const body = verb === 'revoke' && args.options.reason !== undefined ? { reason: args.options.reason } : {};
    const grant = await client.request<GrantResource>('POST', `/grants/${encodeURIComponent(name)}/${verb}`, { json: body });
    if (json) ctx.out(toJson(grant));
    else ctx.out(verb === 'approve' ? `grant/${name} approved: in effect now, in every process, until ${grant.spec.expiresAt}\n` : `grant/${name} revoked: no longer honoured from now on\n`);
    return 0;
  };
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: ['active'], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const json = jsonOutput(args.options.output);
  const client = createAdminClient(ctx, args.options);
  const items: GrantResource[] = [];
  let token: string | undefined;
  do {
    const page = await client.request<ListPage>('GET', '/grants', { query: { limit: 500, continue: token } });
    items.push(...page.items);
    token = page.continue ?? undefined;
  } while (token !== undefined);
  const now = ctx.now();
  // Active: approved and not past expiresAt (the expiry sweep may not have marked it yet).
  const shown = args.flags.has('active') ? items.filter((g) => g.status?.state === 'approved' && Date.parse(g.spec.expiresAt) > now) : items;
  if (json) {
    ctx.out(toJson(shown));
    return 0;
  }
  if (shown.length === 0) {
    ctx.out(args.flags.has('active') ? 'No active grants.\n' : 'No grants.\n');
    return 0;
  }
  const rows = shown.map((g) => {
    const resource = g.spec.resource.model ?? g.spec.resource.tool ?? g.spec.resource.secret ?? '-';
    const state = String(field(g, 'status.state') ?? 'pending');
    // An approved grant past its end is expired already, whatever the sweep has recorded.
    const shownState = state === 'approved' && Date.parse(g.spec.expiresAt) <= now ? 'expired' : state;
    return [g.metadata.name, principalLabel(g.spec.principal), g.spec.action, resource, shownState, g.spec.expiresAt, shorten(g.spec.reason.replace(/\s+/g, ' '), 60)];
  });
  ctx.out(formatTable(['NAME', 'PRINCIPAL', 'ACTION', 'RESOURCE', 'STATE', 'EXPIRES', 'REASON'], rows));
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[], ctx: CliContext) => Promise<number>> = { request, approve: transition('approve'), revoke: transition('revoke'), list };

export const grantsVerb: Verb = {
  summary: 'Request, approve, revoke and list time-bound grants',
  help: `Usage:
  gantry grants request <name> --team T [--agent A | --user U | --key K]
                        --action invoke_model|call_tool|read_secret
                        (--model M | --tool server__tool | --secret S)
                        --reason R --expires <RFC 3339 | +2h | +1d> [--approver U] [-o json]
  gantry grants approve <name> [-o json]
  gantry grants revoke <name> [--reason R] [-o json]
  gantry grants list [--active] [-o json]

A grant is a time-bound exception (docs/grants.md): it lets a team (or one agent, user or key of it)
use a model, call a tool or read a secret that a policy, the agent's declaration or the key's model
scope would refuse. It ends at --expires (at most 30 days), in every process, without a restart.
request  creates it: pending until approved, or approved at once when a platform admin requests it
         without naming another approver.
approve  a platform admin other than the requester, or the user named with --approver (which
         only a platform admin may name).
revoke   the requester, a team admin of the team or a platform admin; takes effect at once.
list     NAME PRINCIPAL ACTION RESOURCE STATE EXPIRES REASON; --active: approved and not expired.
Budgets, rate limits and guardrails still apply to requests a grant lets through.

Options: --server <url> (Gantry URL), --token <token> (admin or user token)
`,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run) throw new ArgsError(sub === undefined ? 'missing a subcommand: request, approve, revoke or list' : `unknown subcommand "${sub}": use request, approve, revoke or list`);
    return run(rest, ctx);
  },
};
