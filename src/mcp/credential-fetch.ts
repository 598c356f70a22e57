import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** The upstream credential of an HTTP McpServer, resolved from its Secret. */
export interface UpstreamCredential {
  /** Header name (default `authorization`). */
  readonly header: string;
  /** Prefix before the value ("Bearer"); "" sends the bare value. */
  readonly scheme: string;
  readonly value: string;
  /** The value before the last rotation, accepted by Gantry until validUntil (epoch ms). */
  readonly previous?: { readonly value: string; readonly validUntil: number };
}

/**
 * Wraps fetch for the SDK's Streamable HTTP transport: adds the McpServer's plain headers (never
 * over the transport's own) and its credential. When the upstream answers 401 and the Secret was
 * rotated recently (previous value still in its grace window), the request is sent once more with
 * the other value; the one that worked is tried first from then on. Nothing else is added: the
 * caller's request (its Gantry key, its headers) never reaches this code.
 */
export function credentialFetch(options: {
  readonly headers?: Readonly<Record<string, string>>;
  readonly credential?: UpstreamCredential;
  /** Wall clock, epoch ms (the grace window is wall-clock time). */
  readonly now: () => number;
  readonly fetch?: FetchLike;
}): FetchLike {
  const base = options.fetch ?? ((url, init) => fetch(url, init));
  const cred = options.credential;
  let preferPrevious = false;
  const send = (url: string | URL, init: RequestInit | undefined, value: string | undefined) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(options.headers ?? {})) if (!headers.has(k)) headers.set(k, v);
    if (cred && value !== undefined) headers.set(cred.header, cred.scheme ? `${cred.scheme} ${value}` : value);
    // The transport passes one long-lived signal to every request; fetch adds an abort listener to the
    // signal it gets and drops it only when the request is garbage-collected, so under load thousands
    // pile up on that one signal (a MaxListeners warning, and a scan of them per request). A dependent
    // signal per request still aborts with the transport's, and takes the listener with it.
    const signal = init?.signal ? AbortSignal.any([init.signal]) : undefined;
    return base(url, { ...init, headers, ...(signal ? { signal } : {}) });
  };
  return async (url, init) => {
    const previous = cred?.previous && options.now() < cred.previous.validUntil ? cred.previous.value : undefined;
    const first = preferPrevious && previous !== undefined ? previous : cred?.value;
    const response = await send(url, init, first);
    if (response.status !== 401 || previous === undefined || !cred) return response;
    const other = first === previous ? cred.value : previous;
    await response.body?.cancel().catch(() => {});
    const retried = await send(url, init, other);
    if (retried.status !== 401) preferPrevious = other === previous;
    return retried;
  };
}
