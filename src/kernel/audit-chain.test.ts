import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH } from './audit-hash.js';
import { createChainVerifier, describeBreak, type WireAuditEntry } from './audit-chain.js';

/** A valid chain as the server would build it, rendered as JSON (undefined fields dropped). */
function chain(n: number): WireAuditEntry[] {
  const out: WireAuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      seq,
      ts: Date.parse('2026-03-01T10:00:00Z') + seq * 1000,
      actor: seq % 2 ? 'admin-token' : 'user:alice',
      action: 'apply',
      kind: 'Team',
      name: `team-${seq}`,
      team: `team-${seq}`,
      outcome: 'created',
      requestId: `req_${seq}`,
      sourceIp: undefined,
      before: null,
      after: { spec: { displayName: `Team ${seq}` } },
      diff: [{ path: 'spec.displayName', op: 'add', after: `Team ${seq}` }],
    };
    const hash = auditHash(prev, fields);
    out.push(JSON.parse(JSON.stringify({ ...fields, prevHash: prev, hash })) as WireAuditEntry);
    prev = hash;
  }
  return out;
}

function verify(entries: WireAuditEntry[]) {
  const v = createChainVerifier();
  for (const e of entries) {
    const broken = v.check(e);
    if (broken) return { broken, count: v.count, head: v.head };
  }
  return { broken: undefined, count: v.count, head: v.head };
}

describe('audit chain verification', () => {
  it('accepts an intact chain and reports the head', () => {
    const entries = chain(5);
    const r = verify(entries);
    expect(r.broken).toBeUndefined();
    expect(r.count).toBe(5);
    expect(r.head).toBe(entries[4]?.hash);
  });

  it('accepts ISO timestamps on the wire (hashing the epoch ms)', () => {
    const entries = chain(2).map((e) => ({ ...e, ts: new Date(e.ts as number).toISOString() }));
    expect(verify(entries).broken).toBeUndefined();
  });

  it('names the entry whose field was tampered with', () => {
    const entries = chain(5);
    entries[2] = { ...(entries[2] as WireAuditEntry), actor: 'mallory' };
    const { broken } = verify(entries);
    expect(broken?.entry.seq).toBe(3);
    expect(broken?.reason).toMatch(/content does not match its hash/);
    expect(describeBreak(broken!)).toBe(
      'audit log is BROKEN at entry #3 (2026-03-01T10:00:03.000Z, mallory apply Team/team-3): its content does not match its hash (the entry was modified after it was written)',
    );
  });

  it('detects a tampered nested value (the diff)', () => {
    const entries = chain(3);
    entries[1] = { ...(entries[1] as WireAuditEntry), after: { spec: { displayName: 'Evil' } } };
    expect(verify(entries).broken?.entry.seq).toBe(2);
  });

  it('detects a deleted entry as a gap', () => {
    const entries = chain(5);
    entries.splice(3, 1);
    const { broken } = verify(entries);
    expect(broken?.entry.seq).toBe(5);
    expect(broken?.reason).toBe('entry #4 is missing (deleted from the log)');
  });

  it('detects a deleted first entry', () => {
    const { broken } = verify(chain(3).slice(1));
    expect(broken?.entry.seq).toBe(2);
    expect(broken?.reason).toMatch(/entry #1 is missing/);
  });

  it('detects an entry rewritten and re-hashed: the next link no longer matches', () => {
    const entries = chain(4);
    const e = entries[1] as WireAuditEntry;
    const forged = { ...e, actor: 'mallory' };
    entries[1] = { ...forged, hash: auditHash(forged.prevHash, {
        ...forged,
        ts: forged.ts as number,
        kind: 'Team',
        name: 'team-2',
        team: 'team-2',
        requestId: 'req_2',
        sourceIp: undefined,
        before: forged.before,
        after: forged.after,
        diff: forged.diff,
      }) };
    const { broken } = verify(entries);
    expect(broken?.entry.seq).toBe(3);
    expect(broken?.reason).toMatch(/prevHash is not the hash of entry #2/);
  });
});
