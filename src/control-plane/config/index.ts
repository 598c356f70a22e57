export { builtinConfig, BUILTIN_CONFIG_YAML } from './builtin.js';
export { type ConfigProblem, formatProblems } from './errors.js';
export { loadConfigFile, parseConfigText } from './load.js';
export * from './schema.js';
export type { ValidatedConfig } from './validate.js';
