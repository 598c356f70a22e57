import { createChainVerifier } from '../../kernel/audit-chain.js';
import { auditSeal } from '../../kernel/audit-hash.js';
import { constantTimeEqual } from '../../kernel/api-keys.js';
import type { AuditEntry } from '../../storage/ports/resource-store.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly entries: number;
  /** Hash of the last good entry (the chain head when ok). */
  readonly head: string;
  readonly firstBroken?: { readonly seq: number; readonly ts: number; readonly actor: string; readonly action: string; readonly reason: string };
}

const PAGE = 1000;

/**
 * The server-side check (`GET /admin/v1/audit/verify`): the same chain verifier the CLI runs on
 * its own copy, walked page by page in constant memory. The first broken entry is named.
 */
export async function verifyAuditChain(page: (afterSeq: number, limit: number) => Promise<AuditEntry[]>, sealKey?: Buffer): Promise<VerifyResult> {
  const verifier = createChainVerifier();
  let after = 0;
  for (;;) {
    const entries = await page(after, PAGE);
    for (const e of entries) {
      const fail = (reason: string): VerifyResult => ({ ok: false, entries: verifier.count, head: verifier.head, firstBroken: { seq: e.seq, ts: e.ts, actor: e.actor, action: e.action, reason } });
      const broken = verifier.check(e);
      if (broken) return fail(broken.reason);
      // A consistent chain can still be a rewrite (hashes recomputed after an edit): only Gantry's key makes seals.
      if (sealKey && (e.seal === undefined || !constantTimeEqual(e.seal, auditSeal(sealKey, e.hash)))) {
        return fail(
          "its seal does not match: the log was rewritten (and its hashes recomputed) by someone without Gantry's key, or a process with a different GANTRY_KEY_HASH_SECRET wrote it",
        );
      }
      after = e.seq;
    }
    if (entries.length < PAGE) return { ok: true, entries: verifier.count, head: verifier.head };
  }
}
