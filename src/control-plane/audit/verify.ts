import { auditHash, GENESIS_HASH } from '../../kernel/audit-hash.js';
import type { AuditEntry } from '../../storage/ports/resource-store.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  /** Hash of the last entry checked (the chain head when ok). */
  readonly head: string;
  readonly firstBroken?: { readonly seq: number; readonly ts: number; readonly actor: string; readonly action: string; readonly reason: string };
}

const PAGE = 1000;

/**
 * Walks the chain from the first entry: seq without gaps, each prevHash the previous hash, each
 * hash recomputed from the stored fields. The first mismatch is named; an edit of any field of any
 * entry, a deleted entry or a re-ordered one all show up.
 */
export async function verifyAuditChain(page: (afterSeq: number, limit: number) => Promise<AuditEntry[]>): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const entries = await page(expectedSeq - 1, PAGE);
    for (const e of entries) {
      const broken = (reason: string): VerifyResult => ({ ok: false, entries: count, head: prev, firstBroken: { seq: e.seq, ts: e.ts, actor: e.actor, action: e.action, reason } });
      if (e.seq !== expectedSeq) return broken(`expected entry #${expectedSeq} next, found #${e.seq} (entries missing)`);
      if (e.prevHash !== prev) return broken('its prevHash does not match the previous entry (an earlier entry was changed or removed)');
      if (auditHash(prev, e) !== e.hash) return broken('its contents do not match its hash (the entry was edited)');
      prev = e.hash;
      expectedSeq++;
      count++;
    }
    if (entries.length < PAGE) return { ok: true, entries: count, head: prev };
  }
}
