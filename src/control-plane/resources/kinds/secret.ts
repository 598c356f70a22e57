import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, FromEnv, Ident, metadataSchema } from '../common.js';

/**
 * A Secret: a credential Gantry keeps for providers and MCP servers (docs/secrets.md). The value is
 * write-only: given on create or rotation (`spec.value`, or `spec.fromEnv` read by the server at apply
 * time), stored only encrypted (envelope encryption, AES-256-GCM: a data key per version wrapped by
 * the master key) in the resource's `secret` column, and never returned, logged or audited.
 * Platform-level: only platform admins write Secrets; members read their metadata (never the value).
 */
export const SecretSpecSchema = T.Object(
  {
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** The value (write-only: removed from the stored spec; a changed value is a rotation). */
    value: T.Optional(T.String({ minLength: 1, maxLength: 65_536 })),
    /** Read the value from the server's environment at apply time (subject to GANTRY_PROVIDER_ENV_ALLOW for API applies). */
    fromEnv: T.Optional(FromEnv),
    /** After a rotation the previous version stays valid this long (default 3600 s; 0: at once). */
    rotationGraceSeconds: T.Optional(T.Integer({ minimum: 0, maximum: 30 * 86_400 })),
  },
  { additionalProperties: false },
);

export const SecretDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Secret'), metadata: metadataSchema(Ident), spec: SecretSpecSchema },
  { additionalProperties: false },
);

export type SecretSpec = Static<typeof SecretSpecSchema>;

/** `{secretRef: name}`: a value taken from a Secret (provider apiKey, MCP server auth and env). */
export const SecretRef = T.Object({ secretRef: Ident }, { additionalProperties: false });
export type SecretRefSpec = Static<typeof SecretRef>;

/** Rendered under `status` (metadata of the versions; never a value or key material). */
export interface SecretStatus {
  /** The version in use (1, 2, …). */
  readonly currentVersion: number;
  readonly versions: readonly {
    readonly version: number;
    readonly createdAt: string;
    readonly createdBy: string;
    /** Set on a superseded version: it stays valid (decryptable for consumers) until then. */
    readonly validUntil?: string;
  }[];
}
