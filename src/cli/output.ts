import { stringify } from 'yaml';

/** Columns padded with padEnd and separated by three spaces (kubectl style); the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => (i === headers.length - 1 ? (cells[i] ?? '') : (cells[i] ?? '').padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Elapsed time in the largest whole unit: `45s`, `5m`, `3h`, `2d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Age of an ISO timestamp (or epoch ms) relative to now; `-` when absent or unparseable. */
export function ageOf(value: unknown, now: number): string {
  const t = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(t) ? formatAge(now - t) : '-';
}

/** `5m ago` from an ISO timestamp (or epoch ms); `never` when absent (a key's last use, an agent's last request). */
export function lastSeenCell(value: unknown, now: number): string {
  return value === undefined || value === null ? 'never' : `${ageOf(value, now)} ago`;
}

/** At most `max` characters: a longer text is cut and ends with `…`. */
export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A scalar for a table cell or a diff line: strings bare, everything else as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Pretty JSON with a trailing newline (what `-o json` prints, and nothing else). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Multi-document YAML, each document starting with `---` so the output can be re-applied as is. */
export function toYamlDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
}

/** Reads a nested field by dotted path (`status.lastSeenAt`); undefined when any step is missing. */
export function field(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
