/** Without GANTRY_PROVIDER_ENV_ALLOW: names that look like upstream credentials or endpoints. */
const DEFAULT_ALLOW = ['*_API_KEY', '*_API_TOKEN', '*_BASE_URL'];

/**
 * Which environment variables a Provider applied through the admin API may read (`fromEnv`). Without
 * a limit, anyone allowed to apply a Provider could point one at their own server with
 * `apiKey: {fromEnv: GANTRY_ADMIN_TOKEN}` and receive the secret. Gantry's own variables are never
 * allowed; the rest follow the operator's list (`NAME`, `PREFIX_*`, `*_SUFFIX`).
 */
export function createEnvPolicy(raw: string | undefined): { allowed: (name: string) => boolean; text: string } {
  const patterns = raw?.trim() ? raw.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_ALLOW;
  const matchers = patterns.map((p) => {
    if (p.startsWith('*')) return (n: string) => n.endsWith(p.slice(1));
    if (p.endsWith('*')) return (n: string) => n.startsWith(p.slice(0, -1));
    return (n: string) => n === p;
  });
  return {
    allowed: (name) => !name.startsWith('GANTRY_') && matchers.some((m) => m(name)),
    text: patterns.join(', '),
  };
}
