import { KINDS } from '../resources/registry.js';
import { ADMIN_PREFIX } from './router.js';
import type { AdminRoute } from './types.js';

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        code: { type: 'string', description: 'Stable GW_* code (docs/errors.md)' },
        param: { type: ['string', 'null'] },
        details: { type: 'array', items: { type: 'object', properties: { document: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

function requestContent(r: AdminRoute): Record<string, unknown> {
  const json = { 'application/json': { schema: r.requestSchema } };
  return r.path === '/apply' ? { 'application/yaml': { schema: { type: 'string', description: 'One or more YAML documents separated by ---' } }, ...json } : json;
}

/** OpenAPI 3.1 from the route table and the resource schemas (the same ones validation uses). */
export function buildOpenApi(routes: readonly AdminRoute[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params: Record<string, unknown>[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, q] of Object.entries(r.query ?? {})) params.push({ name, in: 'query', required: false, description: q.description, schema: { type: q.type ?? 'string' } });
    const op: Record<string, unknown> = {
      summary: r.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.auth === 'public' ? { security: [] } : {}),
      ...(r.requestSchema ? { requestBody: { content: requestContent(r) } } : {}),
      responses: {
        '200': { description: 'OK' },
        ...(r.auth === 'public' ? {} : { '401': { $ref: '#/components/responses/Error' }, '403': { $ref: '#/components/responses/Error' } }),
        '400': { $ref: '#/components/responses/Error' },
      },
    };
    const path = `${ADMIN_PREFIX}${r.path}`;
    paths[path] = { ...paths[path], [r.method.toLowerCase()]: op };
  }
  const schemas: Record<string, unknown> = { Error: ERROR_SCHEMA };
  for (const def of Object.values(KINDS)) schemas[def.kind] = JSON.parse(JSON.stringify(def.schema));
  return {
    openapi: '3.1.0',
    info: { title: 'Gantry admin API', version, description: 'Declarative resources, keys, agents, audit and usage. See docs/admin-api.md.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Admin token (gat_…) or user token (gut_…)' } },
      schemas,
      responses: { Error: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    },
  };
}

export function openApiRoute(routes: () => readonly AdminRoute[], version: string): AdminRoute {
  let cached: string | undefined;
  return {
    method: 'GET',
    path: '/openapi.json',
    auth: 'public',
    summary: 'This OpenAPI document.',
    async handle() {
      cached ??= JSON.stringify(buildOpenApi(routes(), version));
      return { status: 200, raw: { contentType: 'application/json', text: cached } };
    },
  };
}
