import type { Rng } from './random.js';

type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

const CITY_WORDS = /\b(in|at|for|near)\s+([A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?)/;

/** A plausible string for a property, preferring words from the user's message (e.g. a city). */
function stringFor(name: string, schema: Schema, rng: Rng, hint: string): string {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return String(rng.pick(schema.enum));
  if (typeof schema.const === 'string') return schema.const;
  const key = name.toLowerCase();
  if (/(city|location|place|town|country|region)/.test(key)) return CITY_WORDS.exec(hint)?.[2] ?? 'Paris';
  if (/(date|day)/.test(key) || schema.format === 'date') return '2026-01-15';
  if (schema.format === 'date-time') return '2026-01-15T09:30:00Z';
  if (/(email)/.test(key) || schema.format === 'email') return 'someone@example.com';
  if (/(url|link)/.test(key) || schema.format === 'uri') return 'https://example.com/';
  if (/(unit)/.test(key)) return 'celsius';
  if (/(query|question|text|prompt|search|message)/.test(key)) return hint.slice(0, 80) || 'hello';
  if (/(id)$/.test(key)) return `id_${rng.int(1000, 9999)}`;
  return `${name}-${rng.int(1, 99)}`;
}

function numberFor(schema: Schema, rng: Rng, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
  const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min + 100, 100);
  const v = min + rng.next() * (max - min);
  return integer ? Math.round(v) : Math.round(v * 100) / 100;
}

/**
 * A value that fits a JSON Schema (the common subset: object, array, string, number, integer,
 * boolean, enum, const, anyOf/oneOf, nullable types). Required properties are always filled;
 * optional ones only when nothing is required.
 */
export function valueForSchema(schema: unknown, rng: Rng, hint: string, name = 'value', depth = 0): unknown {
  if (!isSchema(schema) || depth > 6) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length > 0) return valueForSchema(variants[0], rng, hint, name, depth + 1);
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
  if (type === undefined && isSchema(schema.properties)) type = 'object';
  switch (type) {
    case 'object': {
      const props = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
      const keys = required.length > 0 ? required : Object.keys(props);
      const out: Record<string, unknown> = {};
      for (const key of keys) out[key] = valueForSchema(props[key] ?? { type: 'string' }, rng, hint, key, depth + 1);
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const n = Math.max(min, 1);
      return Array.from({ length: n }, () => valueForSchema(schema.items ?? { type: 'string' }, rng, hint, name, depth + 1));
    }
    case 'string':
      return stringFor(name, schema, rng, hint);
    case 'integer':
      return numberFor(schema, rng, true);
    case 'number':
      return numberFor(schema, rng, false);
    case 'boolean':
      return rng.next() < 0.5;
    case 'null':
      return null;
    default:
      return stringFor(name, schema, rng, hint);
  }
}
