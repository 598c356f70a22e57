/** An API key as stored: a keyed hash and metadata, never the key itself. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly hash: string;
  /** Non-secret display prefix, e.g. "gk_AbC1…". */
  readonly displayPrefix: string;
  readonly name: string;
  readonly team: string;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

export interface KeyStore {
  /** Inserts the key; if a key with the same hash exists, keeps it and returns the stored record. */
  insert(record: ApiKeyRecord): Promise<ApiKeyRecord>;
  /** Keys that are not revoked (compiled into the runtime snapshot). */
  listActive(): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: number): Promise<boolean>;
}
