/**
 * Tool names on the aggregated /mcp endpoint: `<server>__<tool>`. McpServer names are Idents (no
 * `__`), so the first `__` always splits them; the tool part may contain `__` itself.
 */
export const SEPARATOR = '__';

export function namespaced(server: string, tool: string): string {
  return `${server}${SEPARATOR}${tool}`;
}

/** `demo__echo` → {server: demo, tool: echo}; undefined when the name has no server part. */
export function splitNamespaced(name: string): { readonly server: string; readonly tool: string } | undefined {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return undefined;
  return { server: name.slice(0, at), tool: name.slice(at + SEPARATOR.length) };
}
