import type { Clock } from '../../kernel/clock.js';
import type { Envelope } from '../../kernel/envelope.js';
import type { AuditDraft, ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import type { Actor } from '../rbac/roles.js';
import type { ValidateDocuments } from '../resources/validate.js';

/** Everything the control-plane service needs, created by the composition root. */
export interface ServiceDeps {
  readonly store: ResourceStore;
  readonly validate: ValidateDocuments;
  readonly clock: Clock;
  readonly newId: (prefix: string, length?: number) => string;
  /** Keyed hash used for API keys and user tokens (the same one the data plane uses). */
  readonly hashSecret: (secret: string) => string;
  readonly generateApiKey: () => string;
  readonly generateUserToken: () => string;
  /** Brings this process's snapshot up to the store's latest revision (read-your-writes). */
  readonly refresh: () => Promise<void>;
  /** Every live resource of a kind, from this process's cache (for referrer checks and SSO lookups). */
  readonly cached: (kind: string) => Iterable<StoredResource>;
  /** Whether a Provider applied through the API may read this environment variable (env-policy.ts). */
  readonly envAllowed: (name: string) => boolean;
  readonly envAllowedText: string;
  /** Platform roles granted by SSO groups (GANTRY_OIDC_ROLE_MAP). */
  readonly ssoRoleMap?: ReadonlyMap<string, string>;
  /** Whether an McpServer applied through the API may start this command (GANTRY_MCP_STDIO_ALLOW); undefined: none may. */
  readonly mcpStdioAllowed?: (command: string) => boolean;
  readonly mcpStdioAllowedText?: string;
  /** The server's environment: Secrets with `fromEnv` read their value from it at apply time. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Encryption of Secret values under the master key (main/master-key.ts); undefined: Secret values cannot be stored. */
  readonly secrets?: SecretCrypto;
}

/** Envelope encryption of Secret versions, bound to the Secret's name and version (docs/secrets.md). */
export interface SecretCrypto {
  /** Id of the current master key (never the key). */
  readonly kid: string;
  encrypt(name: string, version: number, value: string): Envelope;
  /** Throws GatewayError GW_SECRET_UNAVAILABLE (wrong master key, altered or moved ciphertext). */
  decrypt(name: string, version: number, envelope: unknown): string;
  /** The envelope with its data key wrapped by the current master key (the value is not decrypted). */
  rewrap(name: string, version: number, envelope: unknown): Envelope;
  /** Keyed fingerprint of a value (HMAC under the key-hash secret): tells a new value from the stored one without decrypting. */
  fingerprint(name: string, value: string): string;
}

/** Where a call came from, for the audit log. */
export interface CallMeta {
  readonly requestId: string;
  readonly sourceIp: string | undefined;
}

export function auditDraft(
  deps: ServiceDeps,
  actor: Actor,
  meta: CallMeta,
  fields: Pick<AuditDraft, 'action' | 'outcome'> & Partial<Pick<AuditDraft, 'kind' | 'name' | 'team' | 'before' | 'after' | 'diff'>>,
): AuditDraft {
  return {
    ts: deps.clock.now(),
    actor: actor.id,
    kind: undefined,
    name: undefined,
    team: undefined,
    before: undefined,
    after: undefined,
    diff: undefined,
    requestId: meta.requestId,
    sourceIp: meta.sourceIp,
    ...fields,
  };
}

/** Records a refused change (it changes nothing else, so it is an audit-only commit). */
export async function auditDenied(
  deps: ServiceDeps,
  actor: Actor,
  meta: CallMeta,
  fields: Pick<AuditDraft, 'action'> & Partial<Pick<AuditDraft, 'kind' | 'name' | 'team'>>,
): Promise<void> {
  await deps.store.commit([], [auditDraft(deps, actor, meta, { ...fields, outcome: 'denied' })]);
}
