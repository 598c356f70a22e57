import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ConfigProblem } from './errors.js';
import {
  API_VERSION,
  KIND_SCHEMAS,
  type ModelDoc,
  type PricingSpec,
  type ProviderDoc,
} from './schema.js';

const CHECKERS = {
  Provider: TypeCompiler.Compile(KIND_SCHEMAS.Provider),
  Model: TypeCompiler.Compile(KIND_SCHEMAS.Model),
} as const;

export interface ValidatedConfig {
  readonly providers: readonly ProviderDoc[];
  readonly models: readonly ModelDoc[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeDoc(index: number, doc: unknown): string {
  const kind = isObject(doc) && typeof doc.kind === 'string' ? doc.kind : undefined;
  const meta = isObject(doc) && isObject(doc.metadata) ? doc.metadata : undefined;
  const name = meta && typeof meta.name === 'string' ? meta.name : undefined;
  return `document ${index + 1}${kind ? ` (${kind}${name ? ` "${name}"` : ''})` : ''}`;
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('')
    .replace(/^\./, '');
}

/** Schema errors, one per field (the first and most specific), phrased for humans. */
function schemaProblems(kind: keyof typeof CHECKERS, doc: unknown, where: string): ConfigProblem[] {
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const err of CHECKERS[kind].Errors(doc)) {
    const path = pointerToPath(err.path);
    if (seen.has(path)) continue;
    seen.add(path);
    let message = err.message;
    if (err.schema.description) message += ` (${err.schema.description})`;
    if (message.startsWith('Unexpected property')) message = 'unknown field (check its spelling; docs/configuration.md lists the fields)';
    out.push({ document: where, path, message });
  }
  return out;
}

function pricingProblems(pricing: PricingSpec, type: 'chat' | 'embedding'): string[] {
  if (pricing.free) {
    const extra = Object.keys(pricing).filter((k) => k !== 'free');
    return extra.length > 0 ? [`"free: true" cannot be combined with prices (${extra.join(', ')})`] : [];
  }
  const problems: string[] = [];
  if (pricing.inputPer1M === undefined) problems.push('inputPer1M is required (or set "free: true")');
  if (type === 'chat' && pricing.outputPer1M === undefined) problems.push('outputPer1M is required for a chat model');
  return problems;
}

/**
 * Validates parsed documents: schema per kind, then cross-document rules (unique names, references,
 * pricing completeness). Returns every problem found, not just the first.
 */
export function validateDocuments(docs: readonly unknown[]): { config: ValidatedConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const providers: ProviderDoc[] = [];
  const models: ModelDoc[] = [];

  docs.forEach((doc, i) => {
    const where = describeDoc(i, doc);
    if (!isObject(doc)) {
      problems.push({ document: where, path: '', message: 'expected a mapping with apiVersion, kind, metadata and spec' });
      return;
    }
    if (doc.apiVersion !== API_VERSION) {
      problems.push({ document: where, path: 'apiVersion', message: `expected "${API_VERSION}"` });
      return;
    }
    const kind = doc.kind;
    if (kind !== 'Provider' && kind !== 'Model') {
      problems.push({ document: where, path: 'kind', message: `unknown kind ${JSON.stringify(kind)}; expected one of Provider, Model` });
      return;
    }
    const spec = isObject(doc.spec) ? doc.spec : undefined;
    if (kind === 'Provider' && spec && typeof spec.apiKey === 'string') {
      problems.push({
        document: where,
        path: 'spec.apiKey',
        message: 'secrets never go in the config file; reference an environment variable: apiKey: {fromEnv: OPENAI_API_KEY}',
      });
      return;
    }
    const found = schemaProblems(kind, doc, where);
    if (found.length > 0) {
      problems.push(...found);
      return;
    }
    if (kind === 'Provider') providers.push(doc as ProviderDoc);
    else models.push(doc as ModelDoc);
  });

  const providerNames = new Set<string>();
  providers.forEach((p) => {
    const where = `Provider "${p.metadata.name}"`;
    if (providerNames.has(p.metadata.name)) problems.push({ document: where, path: 'metadata.name', message: 'duplicate Provider name' });
    providerNames.add(p.metadata.name);
    if (p.spec.type !== 'simulator' && p.spec.baseUrl === undefined && p.spec.type !== 'anthropic') {
      problems.push({ document: where, path: 'spec.baseUrl', message: `required for type ${p.spec.type}` });
    }
  });

  const modelNames = new Set<string>();
  for (const m of models) {
    const where = `Model "${m.metadata.name}"`;
    if (modelNames.has(m.metadata.name)) problems.push({ document: where, path: 'metadata.name', message: 'duplicate Model name' });
    modelNames.add(m.metadata.name);
    const { spec } = m;
    if (spec.deployments && spec.provider) {
      problems.push({ document: where, path: 'spec.provider', message: 'use either spec.provider or spec.deployments, not both' });
    } else if (!spec.deployments && !spec.provider) {
      problems.push({ document: where, path: 'spec.provider', message: 'required (or list spec.deployments)' });
    }
    const refs: [string, string][] = spec.deployments ? spec.deployments.map((d, i) => [`spec.deployments[${i}].provider`, d.provider]) : [];
    if (spec.provider) refs.push(['spec.provider', spec.provider]);
    for (const [path, name] of refs) {
      if (!providerNames.has(name)) {
        const known = [...providerNames].join(', ') || 'none';
        problems.push({ document: where, path, message: `unknown Provider "${name}" (defined: ${known})` });
      }
    }
    if (spec.pricing) {
      for (const message of pricingProblems(spec.pricing, spec.type ?? 'chat')) {
        problems.push({ document: where, path: 'spec.pricing', message });
      }
    }
  }
  return { config: { providers, models }, problems };
}
