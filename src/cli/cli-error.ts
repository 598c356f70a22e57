/**
 * A failure the CLI reports and exits 1 on: a server error (its `GW_*` code, message and details) or
 * a client-side one (unreachable server, unreadable file). Usage errors are ArgsError (exit 2).
 */
export class CliError extends Error {
  readonly code: string | undefined;
  readonly details: readonly unknown[];
  /** HTTP status when the server answered. */
  readonly status: number | undefined;

  constructor(message: string, options: { code?: string; details?: readonly unknown[]; status?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = options.code;
    this.details = options.details ?? [];
    this.status = options.status;
  }
}

function detailLine(detail: unknown): string {
  if (detail === null || typeof detail !== 'object') return String(detail);
  const d = detail as Record<string, unknown>;
  const parts = [d.document, d.path, d.message].filter((p): p is string | number => (typeof p === 'string' && p !== '') || typeof p === 'number');
  return parts.length > 0 ? parts.join(': ') : JSON.stringify(detail);
}

/** `error GW_…: message` then one `  - document: path: message` line per detail. */
export function formatCliError(err: CliError): string {
  // Server messages may already list the problems (for logs); print them once, from the details.
  const message = err.details.length > 0 ? err.message.split('\n').filter((l) => !/^\s+- /.test(l)).join('\n') : err.message;
  const head = err.code ? `error ${err.code}: ${message}` : `error: ${message}`;
  return [head, ...err.details.map((d) => `  - ${detailLine(d)}`)].join('\n') + '\n';
}
