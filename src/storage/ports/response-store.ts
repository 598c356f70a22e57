import type { ResponseObject, ResponsesInputItem } from '../../kernel/wire/responses.js';

/**
 * A stored Responses API response (`/v1/responses` with `store` not false): what GET returns and what
 * `previous_response_id` continues from. Records belong to a team; another team never sees them.
 */
export interface StoredResponse {
  readonly id: string;
  /** The caller's team: the isolation boundary (keys of one team share their responses). */
  readonly team: string;
  /** The key that created it (kept for audit; not an access boundary). */
  readonly keyId: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which the record is gone (as if never stored). */
  readonly expiresAt: number;
  readonly response: ResponseObject;
  /**
   * The whole conversation up to and including this response, as Responses items: the input of the
   * chain it continues, its own input, then its output. Instructions are not part of it (OpenAI does
   * not carry them over to the next response).
   */
  readonly conversation: readonly ResponsesInputItem[];
}

export interface ResponseStore {
  /** Inserts or replaces the record with this id. */
  put(record: StoredResponse): Promise<void>;
  /** The record if it exists, belongs to `team` and has not expired at `now`. */
  get(id: string, team: string, now: number): Promise<StoredResponse | undefined>;
  /** Deletes the team's record; false if there was none (or it belongs to another team). */
  delete(id: string, team: string): Promise<boolean>;
  /** Removes records expired at `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
