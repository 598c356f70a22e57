import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * Output JSON validation against the request's `response_format`. Schemas come from clients, so
 * (per Ajv's security notes) they are size-capped, compiled without allErrors, and compiled
 * validators are cached per schema text in a bounded LRU owned by the validator instance.
 */
export type JsonOutputResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'not_json' | 'schema_mismatch' | 'schema_invalid'; readonly errors: readonly string[] };

/** What `response_format` asks for: nothing, any JSON object (json_object), or a JSON schema (json_schema). */
export type ResponseFormatSchema = { readonly kind: 'none' } | { readonly kind: 'json_object' } | { readonly kind: 'schema'; readonly schema: object };

export interface JsonOutputValidatorOptions {
  /** Compiled validators kept (LRU). */
  readonly maxSchemas?: number;
  /** Larger schemas are refused (schema_invalid) rather than compiled. */
  readonly maxSchemaBytes?: number;
}

export type ValidateJsonOutput = (text: string, format: ResponseFormatSchema) => JsonOutputResult;

const MAX_ERRORS = 5;

/** OpenAI `response_format` → what to check. `{type:'text'}`, absent or malformed → none. */
export function responseFormatSchema(responseFormat: unknown): ResponseFormatSchema {
  if (typeof responseFormat !== 'object' || responseFormat === null) return { kind: 'none' };
  const rf = responseFormat as { type?: unknown; json_schema?: { schema?: unknown } };
  if (rf.type === 'json_object') return { kind: 'json_object' };
  if (rf.type === 'json_schema' && typeof rf.json_schema?.schema === 'object' && rf.json_schema.schema !== null) return { kind: 'schema', schema: rf.json_schema.schema };
  return { kind: 'none' };
}

export function createJsonOutputValidator(options: JsonOutputValidatorOptions = {}): ValidateJsonOutput {
  const maxSchemas = options.maxSchemas ?? 256;
  const maxSchemaBytes = options.maxSchemaBytes ?? 64 * 1024;
  // Ajv keeps its own cache per schema object: evicting from ours must remove from its too.
  const cache = new Map<string, { readonly validate: ValidateFunction | string; readonly schema: object; readonly ajv?: Ajv | Ajv2020 }>();
  let draft07: Ajv | undefined;
  let draft2020: Ajv2020 | undefined;
  // Created on first use: most deployments never see a schema of the other draft.
  const ajv07 = (): Ajv => {
    draft07 ??= new Ajv({ strict: false, allErrors: false });
    return draft07;
  };
  const ajv2020 = (): Ajv2020 => {
    draft2020 ??= new Ajv2020({ strict: false, allErrors: false });
    return draft2020;
  };

  const compile = (schema: object): ValidateFunction | string => {
    const key = JSON.stringify(schema);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit.validate;
    }
    // A top-level $id would make Ajv refuse a second, different schema with the same id (from another client).
    const { $id: _id, ...own } = schema as { $id?: unknown };
    let entry: { validate: ValidateFunction | string; schema: object; ajv?: Ajv | Ajv2020 } = { validate: '', schema: own };
    if (Buffer.byteLength(key) > maxSchemaBytes) entry.validate = `schema larger than ${maxSchemaBytes} bytes`;
    else {
      const $schema = (own as { $schema?: unknown }).$schema;
      const ajv = typeof $schema === 'string' && $schema.includes('2020-12') ? ajv2020() : ajv07();
      try {
        entry = { validate: ajv.compile(own), schema: own, ajv };
      } catch (err) {
        entry.validate = err instanceof Error ? err.message : String(err);
      }
    }
    cache.set(key, entry);
    if (cache.size > maxSchemas) {
      const oldest = cache.keys().next().value!;
      const evicted = cache.get(oldest);
      cache.delete(oldest);
      evicted?.ajv?.removeSchema(evicted.schema);
    }
    return entry.validate;
  };

  return (text, format) => {
    if (format.kind === 'none') return { ok: true, value: text };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: 'not_json', errors: [err instanceof Error ? err.message : 'not JSON'] };
    }
    if (format.kind === 'json_object') {
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ok: true, value } : { ok: false, reason: 'schema_mismatch', errors: ['expected a JSON object'] };
    }
    const validate = compile(format.schema);
    if (typeof validate === 'string') return { ok: false, reason: 'schema_invalid', errors: [validate] };
    if (validate(value)) return { ok: true, value };
    const errors = (validate.errors ?? []).slice(0, MAX_ERRORS).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    return { ok: false, reason: 'schema_mismatch', errors };
  };
}
