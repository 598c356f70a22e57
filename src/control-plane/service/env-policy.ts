
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
