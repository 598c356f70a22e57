import { describe, expect, it } from 'vitest';
import { createJsonOutputValidator, responseFormatSchema } from './json-output.js';

const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } }, required: ['name'], additionalProperties: false };
const fmt = { kind: 'schema', schema } as const;

describe('JSON output validation', () => {
  it('reads response_format', () => {
    expect(responseFormatSchema({ type: 'json_schema', json_schema: { name: 'p', schema } })).toEqual({ kind: 'schema', schema });
    expect(responseFormatSchema({ type: 'json_object' })).toEqual({ kind: 'json_object' });
    expect(responseFormatSchema({ type: 'text' })).toEqual({ kind: 'none' });
    expect(responseFormatSchema(undefined)).toEqual({ kind: 'none' });
  });

  it('accepts a matching answer and explains a mismatch', () => {
    const validate = createJsonOutputValidator();
    expect(validate('{"name":"Ada","age":36}', fmt)).toEqual({ ok: true, value: { name: 'Ada', age: 36 } });
    const bad = validate('{"age":-1}', fmt);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.reason).toBe('schema_mismatch');
      expect(bad.errors[0]).toMatch(/name/);
    }
    expect(validate('Sure! {"name":"Ada"}', fmt)).toMatchObject({ ok: false, reason: 'not_json' });
    expect(validate('[1]', { kind: 'json_object' })).toMatchObject({ ok: false, reason: 'schema_mismatch' });
    expect(validate('anything', { kind: 'none' })).toMatchObject({ ok: true });
  });

  it('supports draft 2020-12 and reports an unusable schema as schema_invalid', () => {
    const validate = createJsonOutputValidator();
    const s2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false };
    expect(validate('["a"]', { kind: 'schema', schema: s2020 }).ok).toBe(true);
    expect(validate('["a", 1]', { kind: 'schema', schema: s2020 }).ok).toBe(false);
    expect(validate('{}', { kind: 'schema', schema: { $ref: 'https://elsewhere.example/s.json' } })).toMatchObject({ ok: false, reason: 'schema_invalid' });
    expect(createJsonOutputValidator({ maxSchemaBytes: 10 })('{}', fmt)).toMatchObject({ ok: false, reason: 'schema_invalid' });
  });

  it('keeps a bounded cache and still validates after eviction (same $id from different clients too)', () => {
    const validate = createJsonOutputValidator({ maxSchemas: 2 });
    for (let i = 0; i < 10; i++) {
      const s = { $id: 'https://x/s', type: 'object', required: [`k${i}`] };
      expect(validate(`{"k${i}":1}`, { kind: 'schema', schema: s }).ok).toBe(true);
      expect(validate('{}', { kind: 'schema', schema: s }).ok).toBe(false);
    }
  });
});
