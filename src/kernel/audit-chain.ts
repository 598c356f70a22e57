import { auditHash, GENESIS_HASH } from './audit-hash.js';

/** An audit entry as the admin API returns it (JSON: absent fields may be missing or null). */
export interface WireAuditEntry {
  readonly seq: number;
  /** Epoch ms (an ISO string is accepted too). */
  readonly ts: number | string;
  readonly actor: string;
  readonly action: string;
  readonly kind?: string | null;
  readonly name?: string | null;
  readonly team?: string | null;
  readonly outcome: string;
  readonly requestId?: string | null;
  readonly sourceIp?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly diff?: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainBreak {
  readonly entry: WireAuditEntry;
  readonly reason: string;
}

export interface ChainVerifier {
  /** Checks the next entry (in seq order); returns the break, if this entry is where the chain breaks. */
  check(entry: WireAuditEntry): ChainBreak | undefined;
  /** Entries checked so far. */
  readonly count: number;
  /** Hash of the last checked entry (the genesis hash before any). */
  readonly head: string;
}

export function tsMillis(ts: number | string): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

const orNull = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/**
 * Recomputes the hash chain entry by entry, in constant memory (the log can be long): seq must go
 * 1, 2, 3… without gaps, each prevHash must be the previous entry's hash, each hash must recompute.
 */
export function createChainVerifier(): ChainVerifier {
  let lastSeq = 0;
  let head = GENESIS_HASH;
  let count = 0;
  return {
    check(e) {
      if (!Number.isInteger(e.seq) || typeof e.hash !== 'string' || typeof e.prevHash !== 'string') {
        return { entry: e, reason: 'the entry is malformed (seq, prevHash or hash missing)' };
      }
      if (e.seq !== lastSeq + 1) {
        if (e.seq <= lastSeq) return { entry: e, reason: `seq ${e.seq} does not follow #${lastSeq} (entries out of order or repeated)` };
        const missing = e.seq - lastSeq - 1;
        const which = missing === 1 ? `entry #${lastSeq + 1} is` : `entries #${lastSeq + 1}..#${e.seq - 1} are`;
        return { entry: e, reason: `${which} missing (deleted from the log)` };
      }
      if (e.prevHash !== head) {
        const prev = lastSeq === 0 ? 'the genesis hash' : `the hash of entry #${lastSeq}`;
        return { entry: e, reason: `its prevHash is not ${prev} (an earlier entry was rewritten or replaced)` };
      }
      const recomputed = auditHash(e.prevHash, {
        seq: e.seq,
        ts: tsMillis(e.ts),
        actor: e.actor,
        action: e.action,
        kind: orNull(e.kind),
        name: orNull(e.name),
        team: orNull(e.team),
        outcome: e.outcome,
        requestId: orNull(e.requestId),
        sourceIp: orNull(e.sourceIp),
        before: e.before,
        after: e.after,
        diff: e.diff,
      });
      if (recomputed !== e.hash) return { entry: e, reason: 'its content does not match its hash (the entry was modified after it was written)' };
      lastSeq = e.seq;
      head = e.hash;
      count++;
      return undefined;
    },
    get count() {
      return count;
    },
    get head() {
      return head;
    },
  };
}

/** `audit log is BROKEN at entry #<seq> (<ts>, <actor> <action> <kind>/<name>): <reason>` */
export function describeBreak(b: ChainBreak): string {
  const e = b.entry;
  const t = tsMillis(e.ts);
  const when = Number.isFinite(t) ? new Date(t).toISOString() : String(e.ts);
  const what = e.kind ? ` ${e.kind}/${e.name ?? '-'}` : '';
  return `audit log is BROKEN at entry #${e.seq} (${when}, ${e.actor} ${e.action}${what}): ${b.reason}`;
}
