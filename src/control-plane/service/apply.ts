import { GatewayError } from '../../kernel/errors/index.js';
import type { AuditDraft, ResourcePut, StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { type FieldChange, diffValues } from '../resources/diff.js';
import { parseResourceText } from '../resources/parse.js';
import { invalidResources, type Problem } from '../resources/problems.js';
import { KINDS } from '../resources/registry.js';
import type { ValidDoc } from '../resources/validate.js';
import { createCrossChecks } from './cross-checks.js';
import { auditDenied, auditDraft, type CallMeta, type ServiceDeps } from './deps.js';
import { type Prepared, prepareDoc, withActorDefaults } from './prepare.js';

export interface ApplyResultItem {
  readonly kind: string;
  readonly name: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly generation: number;
  readonly diff: FieldChange[];
}

export interface ApplyResult {
  readonly dryRun: boolean;
  readonly results: ApplyResultItem[];
  readonly secrets: { kind: 'ApiKey'; name: string; key: string }[];
}

interface Planned {
  readonly doc: ValidDoc;
  readonly existing: StoredResource | undefined;
  readonly prepared: Prepared;
  readonly team: string | undefined;
  readonly diff: FieldChange[];
  readonly action: ApplyResultItem['action'];
}

export interface ApplyOptions {
  readonly dryRun: boolean;
  /** Audit action name (default `apply`). */
  readonly action?: string;
  /** Names the input in error messages (a file path). */
  readonly source?: string;
  /**
   * The start-up apply of gantry.yaml: identities are created once, never updated (see seedDefaults).
   */
  readonly seed?: boolean;
}

/** Kinds a seed apply (gantry.yaml at start) keeps in step with the file: platform configuration (identities are create-only). */
const SEED_UPDATES: ReadonlySet<string> = new Set(['Secret', 'McpServer', 'Provider', 'Model', 'PriceBook', 'GpuPool', 'Budget', 'RateLimit', 'Route', 'Policy', 'Guardrail']);

/**
 * In a seed apply, identities (teams, users, keys, agents) are created once and then left alone: a
 * restart must never undo what was changed through the API — a user offboarded, a key's scope cut,
 * an agent suspended. Providers and Models follow the file.
 */
function seedDefaults(doc: ValidDoc, existing: StoredResource | undefined, options: ApplyOptions): ValidDoc {
  if (!options.seed || !existing || SEED_UPDATES.has(doc.kind)) return doc;
  return { ...doc, labels: existing.labels, spec: existing.spec as Record<string, unknown> };
}

const stateOf = (labels: Readonly<Record<string, string>>, spec: unknown, status: unknown) => ({
  ...(Object.keys(labels).length > 0 ? { labels } : {}),
  spec,
  ...(status === undefined ? {} : { status }),
});

/**
 * Create-or-update of many documents, all or nothing: every document is validated, authorized and
 * reference-checked before anything is written; the writes and their audit entries are one commit.
 */
export function createApply(deps: ServiceDeps) {
  const crossChecks = createCrossChecks(deps);
  async function plan(actor: Actor, docs: readonly ValidDoc[], options: ApplyOptions, meta: CallMeta): Promise<{ planned: Planned[]; mustExist: { kind: string; name: string }[] }> {
    const { dryRun } = options;
    const problems: Problem[] = [];
    const planned: Planned[] = [];
    // References outside this apply are checked again inside the commit (another process may delete them meanwhile).
    const mustExist = new Map<string, { kind: string; name: string }>();
    const inBatch = new Set(docs.map((d) => `${d.kind}/${d.name}`));
    const ordered = [...docs].sort((a, b) => KINDS[a.kind].order - KINDS[b.kind].order || a.index - b.index);
    for (const given of ordered) {
      const def = KINDS[given.kind];
      const existing = await deps.store.get(given.kind, given.name);
      const doc = seedDefaults(withActorDefaults(actor, given, existing !== undefined), existing, options);
      const team = def.teamOf(doc.name, doc.spec);
      const verb = existing ? 'update' : 'create';
      const allowedNew = canAccess(actor, verb, { kind: doc.kind, name: doc.name, team, spec: doc.spec });
      const allowedOld = !existing || canAccess(actor, 'update', { kind: doc.kind, name: doc.name, team: existing.team, spec: existing.spec });
      if (!allowedNew || !allowedOld) await deny(actor, meta, doc, `${actor.id} may not ${verb} ${doc.kind} "${doc.name}"`);
      for (const field of def.immutable) {
        const before = (existing?.spec as Record<string, unknown> | undefined)?.[field];
        if (existing && JSON.stringify(before) !== JSON.stringify(doc.spec[field])) {
          problems.push({ document: doc.where, path: `spec.${field}`, message: `cannot change after creation (is ${JSON.stringify(before)}); delete and re-create instead` });
        }
      }
      for (const ref of def.references(doc.spec)) {
        const orName = ref.orName ?? ref.name;
        if (inBatch.has(`${ref.kind}/${ref.name}`) || (ref.orKind && inBatch.has(`${ref.orKind}/${orName}`))) continue;
        // A Model-or-Route reference must exist as whichever kind it is now.
        const found = (await deps.store.get(ref.kind, ref.name)) !== undefined;
        const useOr = !found && ref.orKind !== undefined && (await deps.store.get(ref.orKind, orName)) !== undefined;
        const kind = useOr && ref.orKind ? ref.orKind : ref.kind;
        const name = useOr ? orName : ref.name;
        mustExist.set(`${kind}/${name}`, { kind, name });
        if (!found && !useOr) {
          const what = ref.orKind && orName === ref.name ? `${ref.kind} or ${ref.orKind} "${ref.name}"` : ref.orKind ? `${ref.kind} "${ref.name}" (or ${ref.orKind} "${orName}" for its tool)` : `${ref.kind} "${ref.name}"`;
          problems.push({ document: doc.where, path: ref.path, message: `${what} does not exist (create it first, or include it in this apply)` });
        }
      }
      const prepared = prepareDoc(deps, actor, doc, existing, dryRun, options.seed === true);
      if (prepared.forbidden) await deny(actor, meta, doc, `${actor.id} cannot apply ${doc.kind} "${doc.name}": ${prepared.forbidden}`);
      for (const p of prepared.problems) problems.push({ document: doc.where, ...p });
      problems.push(...(await crossChecks(doc, docs, { seed: options.seed === true, existing })));
      const before = existing ? stateOf(existing.labels, existing.spec, undefined) : undefined;
      const diff = diffValues(before ?? {}, stateOf(doc.labels, prepared.spec, undefined));
      const action = !existing ? 'created' : diff.length === 0 && prepared.status === existing.status ? 'unchanged' : 'updated';
      planned.push({ doc, existing, prepared, team, diff, action });
    }
    if (problems.length > 0) throw invalidResources(options.source ?? 'The apply', problems);
    return { planned, mustExist: [...mustExist.values()] };
  }

  async function deny(actor: Actor, meta: CallMeta, doc: Pick<ValidDoc, 'kind' | 'name'>, sentence: string): Promise<never> {
    await auditDenied(deps, actor, meta, { action: 'apply', kind: doc.kind, name: doc.name });
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${sentence}. Nothing was applied.`);
  }

  async function applyDocs(actor: Actor, docs: readonly ValidDoc[], options: ApplyOptions, meta: CallMeta): Promise<ApplyResult> {
    const { planned, mustExist } = await plan(actor, docs, options, meta);
    const changed = planned.filter((p) => p.action !== 'unchanged');
    const secrets = changed.flatMap((p) => (p.prepared.generatedKey ? [{ kind: 'ApiKey' as const, name: p.doc.name, key: p.prepared.generatedKey }] : []));
    const result = (generation: (p: Planned) => number): ApplyResult => ({
      dryRun: options.dryRun,
      results: planned
        .sort((a, b) => a.doc.index - b.doc.index)
        .map((p) => ({ kind: p.doc.kind, name: p.doc.name, action: p.action, generation: generation(p), diff: p.diff })),
      secrets,
    });
    if (options.dryRun || changed.length === 0) return result((p) => (p.existing?.generation ?? 0) + (p.action === 'unchanged' ? 0 : 1));
    const writes: ResourcePut[] = changed.map((p) => ({
      op: 'put',
      kind: p.doc.kind,
      name: p.doc.name,
      team: p.team,
      owner: KINDS[p.doc.kind].ownerOf(p.prepared.spec),
      labels: p.doc.labels,
      spec: p.prepared.spec,
      status: p.prepared.status,
      secret: p.prepared.secret,
      expectedGeneration: p.existing?.generation ?? 0,
      actor: actor.id,
    }));
    const audit: AuditDraft[] = changed.map((p) => {
      const before = p.existing ? stateOf(p.existing.labels, p.existing.spec, p.existing.status) : undefined;
      const after = stateOf(p.doc.labels, p.prepared.spec, p.prepared.status);
      return auditDraft(deps, actor, meta, {
        action: options.action ?? 'apply',
        outcome: p.action,
        kind: p.doc.kind,
        name: p.doc.name,
        team: p.team,
        before,
        after,
        diff: diffValues(before ?? {}, after),
      });
    });
    const committed = await deps.store.commit(writes, audit, { mustExist });
    await deps.refresh();
    const generations = new Map(committed.written.map((w) => [`${w.kind}/${w.name}`, w.generation]));
    return result((p) => generations.get(`${p.doc.kind}/${p.doc.name}`) ?? p.existing?.generation ?? 0);
  }

  return {
    applyDocs,
    /** Parses, validates and applies YAML/JSON text. */
    async applyText(actor: Actor, text: string, options: ApplyOptions, meta: CallMeta): Promise<ApplyResult> {
      const parsed = parseResourceText(text);
      const { valid, problems } = deps.validate(parsed.docs);
      const all = [...parsed.problems, ...problems];
      if (all.length > 0) throw invalidResources(options.source ?? 'The apply', all);
      if (valid.length === 0) throw invalidResources(options.source ?? 'The apply', [{ document: 'request', path: '', message: 'no documents found' }]);
      return applyDocs(actor, valid, options, meta);
    },
  };
}

export type ApplyService = ReturnType<typeof createApply>;
