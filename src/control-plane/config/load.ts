import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { type ConfigProblem, configError } from './errors.js';
import { type ValidatedConfig, validateDocuments } from './validate.js';

/** Parses YAML (one or many documents) or JSON text into validated configuration; throws GW_CONFIG_INVALID. */
export function parseConfigText(text: string, source: string): ValidatedConfig {
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const docs: unknown[] = [];
  const problems: ConfigProblem[] = [];
  parsed.forEach((doc, i) => {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      problems.push({
        document: `document ${i + 1}`,
        path: '',
        message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${err.message.split('\n')[0]}`,
      });
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  });
  if (problems.length > 0) throw configError(source, problems);
  const { config, problems: invalid } = validateDocuments(docs.flatMap((d) => (Array.isArray(d) ? d : [d])));
  if (invalid.length > 0) throw configError(source, invalid);
  return config;
}

export function loadConfigFile(path: string): ValidatedConfig {
  return parseConfigText(readFileSync(path, 'utf8'), path);
}
