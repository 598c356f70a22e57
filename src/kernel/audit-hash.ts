import { createHash, createHmac } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** One audit entry's content (everything the chain covers besides its place). Never holds a secret. */
export interface AuditFields {
  /** Epoch ms. */
  readonly ts: number;
  /** Who: `user:alice`, `admin-token`, `system:gantry.yaml`… */
  readonly actor: string;
  /** What: `apply`, `delete`, `keys.create`, `keys.rotate`, `keys.revoke`, `agents.transition`, `login`… */
  readonly action: string;
  readonly kind: string | undefined;
  readonly name: string | undefined;
  readonly team: string | undefined;
  /** `created`, `updated`, `deleted`, `denied`, `ok`. */
  readonly outcome: string;
  readonly requestId: string | undefined;
  readonly sourceIp: string | undefined;
  /** JSON-safe before/after states (labels, spec, status; never a secret) and the field diff. */
  readonly before: unknown;
  readonly after: unknown;
  readonly diff: unknown;
}

/** sha256(prevHash + canonical entry): editing any field of any entry breaks every later link. */
export function auditHash(prevHash: string, entry: AuditFields & { readonly seq: number }): string {
  const body = canonicalJson({
    seq: entry.seq,
    ts: entry.ts,
    actor: entry.actor,
    action: entry.action,
    kind: entry.kind ?? null,
    name: entry.name ?? null,
    team: entry.team ?? null,
    outcome: entry.outcome,
    requestId: entry.requestId ?? null,
    sourceIp: entry.sourceIp ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    diff: entry.diff ?? null,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * The seal of an entry: HMAC-SHA256 of its hash under a server key that is not in the database. The
 * hash chain alone catches edits; anyone able to write the database could still rewrite an entry and
 * recompute every later hash. Without the key they cannot recompute the seals.
 */
export function auditSeal(key: Buffer, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}
