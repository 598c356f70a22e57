/**
 * The variables a stdio MCP server inherits from Gantry's environment: enough to find programs, a
 * home and temp directory, and the locale. Nothing else: Gantry's own environment holds its master
 * key, admin token and provider credentials, which a tool process must never see.
 */
export const INHERITED_ENV_VARS: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  // Windows: programs fail to start without these.
  'SystemRoot',
  'SYSTEMROOT',
  'SystemDrive',
  'SYSTEMDRIVE',
  'windir',
  'ComSpec',
  'PATHEXT',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'PROGRAMFILES',
  'PROCESSOR_ARCHITECTURE',
];

/** The child's environment: the safe base from `parent` (never a GANTRY_* variable), then the McpServer's own spec.env. */
export function childEnvironment(parent: NodeJS.ProcessEnv, own: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_VARS) {
    const value = parent[name];
    // A value starting with "()" is a shell function export (Shellshock-style); never pass one on.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return { ...env, ...own };
}
