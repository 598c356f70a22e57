/** What replaces a secret value in logs and status text. */
export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of the given secret values (longest first, so a value containing
 * another is removed whole). Used on child stderr lines and on error text before it is logged or
 * shown: an upstream may echo the credential it was given.
 */
export function createRedactor(secretValues: readonly string[]): (text: string) => string {
  const values = [...new Set(secretValues.filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join(REDACTED);
    return out;
  };
}
