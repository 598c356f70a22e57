
/**
 * Which environment variables a Provider applied through the admin API may read (`fromEnv`). Without
 * a limit, anyone allowed to apply a Provider could point one at their own server with
 * `apiKey: {fromEnv: GANTRY_ADMIN_TOKEN}` (or any credential in the environment) and receive it. So
 * by default none is allowed (only the operator's gantry.yaml reads the environment); the operator
 * lists what API-applied Providers may read (`NAME`, `PREFIX_*`, `*_SUFFIX`). Gantry's own variables
 * are never allowed.
 */
export function createEnvPolicy(raw: string | undefined): { allowed: (name: string) => boolean; text: string } {
  const patterns = raw?.trim() ? raw.split(',').map((p) => p.trim()).filter(Boolean) : [];
  const matchers = patterns.map((p) => {
    if (p.startsWith('*')) return (n: string) => n.endsWith(p.slice(1));
    if (p.endsWith('*')) return (n: string) => n.startsWith(p.slice(0, -1));
    return (n: string) => n === p;
  });
  return {
    allowed: (name) => !name.startsWith('GANTRY_') && matchers.some((m) => m(name)),
    text: patterns.length > 0 ? patterns.join(', ') : 'none',
  };
}

/**
 * Which programs an McpServer applied through the admin API may start (spec.command). A stdio
 * McpServer runs a process on the Gantry host, so by default none may (gantry.yaml, the operator's
 * file, may run any): the operator lists them in GANTRY_MCP_STDIO_ALLOW, comma-separated. An entry
 * with a slash allows exactly that path; one without allows that bare name (found on PATH), never
 * a program of that name elsewhere.
 */
export function createMcpStdioPolicy(raw: string | undefined): { allowed: (command: string) => boolean; text: string } {
  const entries = raw?.trim() ? raw.split(',').map((p) => p.trim()).filter(Boolean) : [];
  const allowed = new Set(entries);
  return {
    allowed: (command) => allowed.has(command),
    text: entries.length > 0 ? entries.join(', ') : 'none',
  };
}
