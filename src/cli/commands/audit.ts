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

interface ServerVerify {
  readonly ok: boolean;
  readonly entries: number;
  readonly firstBroken?: { readonly seq: number; readonly actor: string; readonly action: string; readonly reason: string };
}

async function verify(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['output', 'expect-head', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const json = jsonOutput(args.options.output);
  const expectHead = args.options['expect-head']?.toLowerCase();
  if (expectHead !== undefined && !/^[0-9a-f]{12,64}$/.test(expectHead)) throw new ArgsError('--expect-head takes a head hash printed by an earlier verify (12 to 64 hex digits)');
  const client = createAdminClient(ctx, args.options);
  const verifier = createChainVerifier();
  let anchorSeen = expectHead === undefined;
  const fail = (seq: number | null, reason: string, line: string): number => {
    if (json) ctx.out(toJson({ ok: false, entries: verifier.count, firstBroken: seq, reason }));
    else ctx.out(`${line}\n`);
    return 1;
  };
  // 1. The chain, recomputed here: no trust in the server's own check.
  for await (const entry of entries(client, 0)) {
    const broken = verifier.check(entry);
    if (broken) return fail(broken.entry.seq, broken.reason, describeBreak(broken));
    if (!anchorSeen && entry.hash.startsWith(expectHead as string)) anchorSeen = true;
  }
  // 2. A head recorded earlier must still be in the chain: catches the removal of the newest entries.
  if (!anchorSeen) {
    return fail(null, 'the expected head is not in the log', `audit log is BROKEN: the head ${expectHead} recorded earlier is no longer in the log (its newest entries were removed or replaced)`);
  }
  // 3. The seals, which only the server can check (their key is not in the database): catches a
  //    rewrite whose hashes were recomputed to look consistent.
  const sealed = await client.request<ServerVerify>('GET', '/audit/verify');
  if (!sealed.ok && sealed.firstBroken) {
    const b = sealed.firstBroken;
    return fail(b.seq, b.reason, `audit log is BROKEN at entry #${b.seq} (${b.actor} ${b.action}): ${b.reason}`);
  }
  if (json) ctx.out(toJson({ ok: true, entries: verifier.count, head: verifier.head }));
  else ctx.out(`audit log verified: ${verifier.count} entries, head ${verifier.head.slice(0, 12)} (chain recomputed here; seals checked by the server)\n`);
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
  gantry audit verify [--expect-head <hash>] [-o json]
  gantry audit list [--limit N] [--after SEQ] [-o json]

verify   downloads the whole audit log and recomputes every link of its hash chain on this machine
         (no trust in the server's own check): sequence numbers without gaps, each prevHash equal
         to the previous hash, each hash recomputed. Then asks the server to check every entry's
         seal (an HMAC under a key that is not in the database), which catches a rewrite with
         recomputed hashes. --expect-head <hash> (a head printed by an earlier run, kept elsewhere)
         also catches the removal of the newest entries. Exit 0 when intact, 1 naming the first
         broken entry.
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
