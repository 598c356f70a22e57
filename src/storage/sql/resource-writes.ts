/**
 * The write rules of the ResourceStore port, as pure functions shared by the memory and SQL adapters so
 * both apply exactly the same generation, tombstone and audit-chaining semantics.
 */
import { auditHash, GENESIS_HASH } from '../../kernel/audit-hash.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { AuditDraft, AuditEntry, ResourceWrite, StoredResource } from '../ports/resource-store.js';

export interface WriteContext {
  /** The revision of the commit being written. */
  readonly revision: number;
  /** Epoch ms, one value for the whole commit. */
  readonly now: number;
  readonly newUid: () => string;
}

/** The stored form of a JSON column value: what a JSON round trip keeps (undefined stays undefined). */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

/** Byte order of the UTF-8 encodings (what SQLite's BINARY and Postgres' "C" collation compare). */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

/** UTF-16 code units sort surrogates (astral code points) below U+E000..U+FFFF; UTF-8 sorts them above. */
function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function conflict(write: ResourceWrite, message: string, actual: number | undefined): GatewayError {
  return new GatewayError('GW_RESOURCE_CONFLICT', `${write.kind} "${write.name}" ${message}`, {
    details: [{ kind: write.kind, name: write.name, expectedGeneration: write.expectedGeneration, actualGeneration: actual ?? 0 }],
  });
}

/**
 * The row after one write, given the row currently stored (live, tombstone or none). Throws
 * GW_RESOURCE_CONFLICT when the write's expectedGeneration does not match.
 */
export function applyWrite(current: StoredResource | undefined, write: ResourceWrite, ctx: WriteContext): StoredResource {
  const live = current && !current.deleted ? current : undefined;
  if (write.op === 'delete' || write.expectedGeneration !== 0) {
    if (!live) throw conflict(write, 'does not exist (it was deleted or never created). Read it again and retry.', undefined);
    if (live.generation !== write.expectedGeneration) {
      throw conflict(
        write,
        `was changed by someone else: you read generation ${write.expectedGeneration}, ` +
          `it is now at generation ${live.generation}. Read it again and retry.`,
        live.generation,
      );
    }
  } else if (live) {
    throw conflict(write, `already exists (generation ${live.generation}). Read it and update it, or choose another name.`, live.generation);
  }
  if (write.op === 'delete') {
    const base = live!;
    return { ...base, deleted: true, generation: base.generation + 1, revision: ctx.revision, updatedAt: ctx.now, updatedBy: write.actor };
  }
  const content = {
    team: write.team,
    owner: write.owner,
    labels: { ...(jsonSafe(write.labels) as Record<string, string>) },
    spec: jsonSafe(write.spec),
    status: jsonSafe(write.status),
    secret: jsonSafe(write.secret),
  };
  if (live) return { ...live, ...content, generation: live.generation + 1, revision: ctx.revision, updatedAt: ctx.now, updatedBy: write.actor };
  // A create, or a re-create over a tombstone: a new incarnation with a new uid.
  return {
    kind: write.kind,
    name: write.name,
    uid: ctx.newUid(),
    ...content,
    generation: 1,
    revision: ctx.revision,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    createdBy: write.actor,
    updatedBy: write.actor,
    deleted: false,
    lastUsedAt: undefined,
  };
}

/** Chains audit drafts after the last stored entry (undefined: the log is empty). */
export function chainAudit(
  last: { readonly seq: number; readonly hash: string } | undefined,
  drafts: readonly AuditDraft[],
  seal?: (hash: string) => string,
): AuditEntry[] {
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  return drafts.map((d) => {
    seq += 1;
    // Hash what is stored (JSON round trip), so a verifier reading the log recomputes the same hash.
    const fields = {
      seq,
      ts: d.ts,
      actor: d.actor,
      action: d.action,
      kind: d.kind,
      name: d.name,
      team: d.team,
      outcome: d.outcome,
      requestId: d.requestId,
      sourceIp: d.sourceIp,
      before: jsonSafe(d.before),
      after: jsonSafe(d.after),
      diff: jsonSafe(d.diff),
    };
    const hash = auditHash(prevHash, fields);
    const entry: AuditEntry = { ...fields, prevHash, hash, seal: seal?.(hash) };
    prevHash = entry.hash;
    return entry;
  });
}

/** The errors of failed commit preconditions (same wording for every adapter). */
export function missingReference(kind: string, name: string): GatewayError {
  return new GatewayError('GW_RESOURCE_CONFLICT', `${kind} "${name}" was deleted while this change was being applied; nothing was written. Apply again.`);
}

export function teamInUse(team: string, users: readonly { kind: string; name: string }[]): GatewayError {
  const list = users.map((u) => `${u.kind} "${u.name}"`).join(', ');
  return new GatewayError('GW_RESOURCE_IN_USE', `Team "${team}" still owns ${list}; delete or move those first.`);
}
