import type { IncomingHttpHeaders } from 'node:http';
import type { Actor } from '../rbac/roles.js';

/** One admin API request as the handlers see it (the router parsed the path and authenticated). */
export interface AdminRequest {
  readonly method: string;
  readonly url: URL;
  /** Path parameters, e.g. `{ plural: 'teams', name: 'payments' }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** Raw body (already size-limited by the router). */
  readonly body: Buffer;
  /** Undefined on public routes. */
  readonly actor: Actor | undefined;
  readonly requestId: string;
  readonly sourceIp: string | undefined;
}

export interface AdminResponse {
  readonly status: number;
  /** JSON-serialized unless `raw` is set. */
  readonly body?: unknown;
  /** A ready body with its content type (HTML pages of the SSO flow, YAML…). */
  readonly raw?: { readonly contentType: string; readonly text: string };
  /** A body written chunk by chunk with backpressure (large exports); the first chunk is awaited before the headers, so an early failure still answers a JSON error. */
  readonly stream?: { readonly contentType: string; readonly chunks: AsyncIterable<string> };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface QueryParam {
  readonly description: string;
  readonly type?: 'string' | 'integer';
}

/**
 * An admin endpoint. The one route table drives the router, the OpenAPI document and the
 * permission-matrix test. `auth: 'public'` routes need no token (OpenAPI, SSO login steps).
 */
export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /admin/v1 with `{param}` segments, e.g. `/apikeys/{name}/rotate`. */
  readonly path: string;
  readonly auth: 'public' | 'authenticated';
  readonly summary: string;
  /** OpenAPI: the JSON Schema of the request body, when it has one. */
  readonly requestSchema?: unknown;
  /** OpenAPI: the query parameters the handler reads (name → description; `integer` when it is a number). */
  readonly query?: Readonly<Record<string, QueryParam>>;
  handle(req: AdminRequest): Promise<AdminResponse>;
}
