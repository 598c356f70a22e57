import { type AdminClient, CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { createChainVerifier, describeBreak, tsMillis, type WireAuditEntry } from '../../kernel/audit-chain.js';
import { ArgsError, jsonOutput, parseArgs, parsePositiveInt } from '../args.js';
import type { CliContext, Verb } from '../context.js';
import { formatTable, toJson } from '../output.js';

interface AuditPage {
  readonly items: readonly WireAuditEntry[];
  readonly next: number | null;
}

const PAGE = 1000;

/** Yields every audit entry with seq > after, page by page. */
async function* entries(client: AdminClient, after: number, limit = PAGE): AsyncGenerator<WireAuditEntry> {
  let cursor = after;
  for (;;) {
    const page = await client.request<AuditPage>('GET', '/audit', { query: { after: cursor, limit } });
    yield* page.items;
    const last = page.items.at(-1);
    if (page.next === null || page.next === undefined || last === undefined) return;
    // Guard against a server that would hand back the same cursor forever.
    cursor = Math.max(page.next, last.seq);
    if (cursor <= after) return;
  }
}

async function verify(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const json = jsonOutput(args.options.output);
  const client = createAdminClient(ctx, args.options);
  const verifier = createChainVerifier();
  for await (const entry of entries(client, 0)) {
    const broken = verifier.check(entry);
    if (broken) {
      if (json) ctx.out(toJson({ ok: false, entries: verifier.count, firstBroken: broken.entry.seq, reason: broken.reason }));
      else ctx.out(`${describeBreak(broken)}\n`);
      return 1;
    }
  }
  if (json) ctx.out(toJson({ ok: true, entries: verifier.count, head: verifier.head }));
  else ctx.out(`audit log verified: ${verifier.count} entries, head ${verifier.head.slice(0, 12)}\n`);
  return 0;
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['limit', 'after', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const json = jsonOutput(args.options.output);
  const limit = parsePositiveInt(args.options.limit, '--limit') ?? 100;
  const after = args.options.after === undefined ? 0 : Number(args.options.after);
  if (!Number.isInteger(after) || after < 0) throw new ArgsError('--after must be a sequence number >= 0');
  const client = createAdminClient(ctx, args.options);
  const items: WireAuditEntry[] = [];
  for await (const e of entries(client, after, Math.min(limit, PAGE))) {
    items.push(e);
    if (items.length >= limit) break;
  }
  if (json) {
    ctx.out(toJson({ items }));
    return 0;
  }
  if (items.length === 0) {
    ctx.err('No audit entries.\n');
    return 0;
  }
  const rows = items.map((e) => [
    String(e.seq),
    new Date(tsMillis(e.ts)).toISOString(),
    e.actor,
    e.action,
    e.kind ? `${e.kind.toLowerCase()}/${e.name ?? '-'}` : '-',
    e.team ?? '-',
    e.outcome,
  ]);
  ctx.out(formatTable(['SEQ', 'TIME', 'ACTOR', 'ACTION', 'RESOURCE', 'TEAM', 'OUTCOME'], rows));
  return 0;
}

export const auditVerb: Verb = {
  summary: 'Verify the audit log hash chain, or list entries',
  help: `Usage:
  gantry audit verify [-o json]
  gantry audit list [--limit N] [--after SEQ] [-o json]

verify   downloads the whole audit log and recomputes every link of its hash chain on this machine
         (no trust in the server's own check): sequence numbers without gaps, each prevHash equal
         to the previous hash, each hash recomputed. Exit 0 when intact, 1 naming the first broken
         entry.
list     prints entries oldest first (default 100; --after SEQ to page on).

Options: --server <url>, --token <token>
`,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'verify') return verify(rest, ctx);
    if (sub === 'list') return list(rest, ctx);
    throw new ArgsError(sub === undefined ? 'missing a subcommand: verify or list' : `unknown subcommand "${sub}": use verify or list`);
  },
};
