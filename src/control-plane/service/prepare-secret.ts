import { isoTime } from '../../kernel/clock.js';
import type { Envelope } from '../../kernel/envelope.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { Actor } from '../rbac/roles.js';
import type { SecretSpec, SecretStatus } from '../resources/kinds/secret.js';
import type { ValidDoc } from '../resources/validate.js';
import type { SecretCrypto, ServiceDeps } from './deps.js';

/** One stored version of a Secret. */
export interface StoredSecretVersion {
  readonly version: number;
  /** Epoch ms: set once superseded; consumers may still use it until then. */
  readonly validUntil?: number;
  readonly envelope: Envelope;
}

/** A Secret's `secret` column: never rendered, audited or logged (only ciphertext and a keyed fingerprint). */
export interface SecretColumn {
  /** Id of the master key the current version's data key is wrapped with. */
  readonly kid: string;
  /** Keyed fingerprint of the current value (SecretCrypto.fingerprint): a re-applied value is not a rotation. */
  readonly fingerprint: string;
  /** Newest first: the first is the current version. */
  readonly versions: readonly StoredSecretVersion[];
  /**
   * Fingerprint of the value gantry.yaml gave at the last start that wrote it: a restart with the
   * same file (and environment) leaves alone a Secret rotated through the API since.
   */
  readonly seedFingerprint?: string;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 3_600;
export const MAX_ROTATION_GRACE_SECONDS = 30 * 86_400;
/** Superseded versions kept while their grace window lasts (older ones are dropped at the next rotation). */
const KEPT_OLD_VERSIONS = 2;

export interface SecretState {
  readonly status: SecretStatus;
  readonly secret: SecretColumn;
  /** False when the value is the current one (status and secret are then the stored objects). */
  readonly rotated: boolean;
}

/**
 * The state after writing `value`: unchanged when it is the current value; otherwise a new version,
 * the previous one valid for `graceSeconds` more (0: at once), expired versions dropped.
 */
export function nextSecretState(
  crypto: SecretCrypto,
  input: { name: string; value: string; actor: Actor; now: number; graceSeconds: number; existing: Pick<StoredResource, 'status' | 'secret'> | undefined },
): SecretState {
  const { name, value, now } = input;
  const column = input.existing?.secret as SecretColumn | undefined;
  const status = input.existing?.status as SecretStatus | undefined;
  const fingerprint = crypto.fingerprint(name, value);
  if (column && status && column.fingerprint === fingerprint) return { status, secret: column, rotated: false };
  const version = Math.max(column?.versions[0]?.version ?? 0, status?.currentVersion ?? 0) + 1;
  const superseded = (column?.versions ?? [])
    .map((v, i) => (i === 0 ? { ...v, validUntil: now + input.graceSeconds * 1000 } : v))
    .filter((v) => v.validUntil !== undefined && v.validUntil > now)
    .slice(0, KEPT_OLD_VERSIONS);
  const versions: StoredSecretVersion[] = [{ version, envelope: crypto.encrypt(name, version, value) }, ...superseded];
  const known = new Map((status?.versions ?? []).map((v) => [v.version, v]));
  return {
    status: {
      currentVersion: version,
      versions: versions.map((v) => ({
        version: v.version,
        createdAt: known.get(v.version)?.createdAt ?? isoTime(now),
        createdBy: known.get(v.version)?.createdBy ?? input.actor.id,
        ...(v.validUntil !== undefined ? { validUntil: isoTime(v.validUntil) } : {}),
      })),
    },
    secret: { kid: crypto.kid, fingerprint, versions, ...(column?.seedFingerprint !== undefined ? { seedFingerprint: column.seedFingerprint } : {}) },
    rotated: true,
  };
}

/** What prepare.ts's Prepared needs from a Secret document (declared here: prepare.ts imports this file). */
export interface PreparedSecret {
  readonly spec: Record<string, unknown>;
  readonly status: unknown;
  readonly secret: unknown;
  readonly problems: { path: string; message: string }[];
}

type ValueRead = { value: string | undefined; problems: { path: string; message: string }[] };

/** The value a document gives: spec.value, or spec.fromEnv read from the server's environment now. */
function readValue(deps: ServiceDeps, spec: SecretSpec, existing: boolean, seed: boolean): ValueRead {
  const problem = (path: string, message: string): ValueRead => ({ value: undefined, problems: [{ path, message }] });
  if (spec.value !== undefined && spec.fromEnv !== undefined) return problem('spec', 'set spec.value or spec.fromEnv, not both');
  if (spec.fromEnv === undefined) return { value: spec.value, problems: [] };
  const name = spec.fromEnv.fromEnv;
  if (spec.fromEnv.default !== undefined) {
    return problem('spec.fromEnv.default', 'a Secret takes no default (it would be stored in clear); set the variable, or give spec.value');
  }
  // Like a Provider's fromEnv: the operator's gantry.yaml reads any variable, an API apply only allowed ones.
  if (!seed && !deps.envAllowed(name)) {
    return problem(
      'spec.fromEnv.fromEnv',
      `environment variable ${name} may not be read by a Secret applied through the API (allowed: ${deps.envAllowedText}; the operator sets GANTRY_PROVIDER_ENV_ALLOW, or defines the Secret in gantry.yaml)`,
    );
  }
  const value = deps.env?.[name];
  if (value !== undefined && value !== '') return { value, problems: [] };
  // An existing Secret keeps its stored value: the variable may be removed once the value is stored.
  if (existing) return { value: undefined, problems: [] };
  return problem('spec.fromEnv.fromEnv', `environment variable ${name} is not set on the server, so there is no value to store`);
}

/**
 * Apply of a Secret: the value (spec.value or spec.fromEnv) is encrypted into the `secret` column
 * and removed from the stored spec, so it never reaches results, diffs, audit entries or reads. The
 * same value again changes nothing; a different one is a rotation (docs/secrets.md).
 */
export function prepareSecret(deps: ServiceDeps, actor: Actor, doc: ValidDoc, existing: StoredResource | undefined, seed: boolean): PreparedSecret {
  const input = doc.spec as SecretSpec;
  const { value: _value, ...stored } = input;
  const spec = stored as Record<string, unknown>;
  const keep: PreparedSecret = { spec, status: existing?.status, secret: existing?.secret, problems: [] };
  const read = readValue(deps, input, existing !== undefined, seed);
  if (read.problems.length > 0) return { ...keep, problems: read.problems };
  if (read.value === undefined) {
    if (existing) return keep;
    return { ...keep, problems: [{ path: 'spec.value', message: 'a new Secret needs a value: spec.value, or spec.fromEnv naming an environment variable of the server' }] };
  }
  if (!deps.secrets) return { ...keep, problems: [{ path: 'spec.value', message: 'this server has no master key, so it cannot store Secret values (docs/secrets.md)' }] };
  const seedFingerprint = seed ? deps.secrets.fingerprint(doc.name, read.value) : undefined;
  if (seedFingerprint !== undefined && (existing?.secret as SecretColumn | undefined)?.seedFingerprint === seedFingerprint) return keep;
  const next = nextSecretState(deps.secrets, {
    name: doc.name,
    value: read.value,
    actor,
    now: deps.clock.now(),
    graceSeconds: input.rotationGraceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS,
    existing,
  });
  if (seedFingerprint === undefined) return { spec, status: next.status, secret: next.secret, problems: [] };
  // The file's value is recorded even when it already is the current one (no rotation): otherwise
  // an API rotation made later would be undone at the next start, the file's value looking new.
  // A new status object makes the apply write it (once; the next start finds it equal).
  return { spec, status: next.rotated ? next.status : { ...(next.status as object) }, secret: { ...next.secret, seedFingerprint }, problems: [] };
}
