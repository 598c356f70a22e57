import { ERROR_CATALOGUE } from './catalogue.js';

/** docs/errors.md, generated from the catalogue so the two never disagree. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([code, spec]) => `| \`${code}\` | ${spec.status} | \`${spec.type}\` | ${spec.when} | ${spec.message} |`,
  );
  return `# Errors

<!-- Generated from src/kernel/errors/catalogue.ts by \`npm run docs:errors\`. Do not edit by hand. -->

Every error Gantry answers has a stable code. On OpenAI-compatible endpoints the body is
\`{"error": {"message", "type", "code", "param"}}\` with \`code\` set to the Gantry code below; the
response also carries the header \`x-gantry-error-code\` and \`x-gantry-request-id\` (quote it when
you report a problem: the logs are keyed by it). Codes are never renamed or reused.

| Code | HTTP | Type | When | Default message |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}
