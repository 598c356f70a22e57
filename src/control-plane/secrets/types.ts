/** A Secret's plaintext as consumers (providers, MCP servers) get it at snapshot compile time. */
export interface ResolvedSecret {
  readonly value: string;
  readonly version: number;
  /** The version before the last rotation while its grace window lasts (epoch ms validUntil). */
  readonly previous?: { readonly value: string; readonly version: number; readonly validUntil: number };
}

/**
 * Decrypts Secrets for the snapshot compiler (main process only: it holds the master key). Values
 * are cached by (name, version), so a compile does not re-decrypt unchanged secrets.
 */
export interface SecretResolver {
  /** Undefined when no such Secret exists; throws GatewayError GW_SECRET_UNAVAILABLE when it cannot be decrypted. */
  resolve(name: string): ResolvedSecret | undefined;
}
