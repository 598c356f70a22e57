import { GatewayError } from '../../kernel/errors/index.js';
import { kindByAlias, KINDS, type KindDef } from '../resources/registry.js';
import type { ApplyService } from '../service/apply.js';
import type { createDelete } from '../service/delete.js';
import type { createReader } from '../service/read.js';
import { actorOf, intParam, metaOf, parseLabelSelector } from './request.js';
import type { AdminRoute } from './types.js';

export interface ResourceRouteDeps {
  readonly apply: ApplyService;
  readonly reader: ReturnType<typeof createReader>;
  readonly deleteResource: ReturnType<typeof createDelete>;
}

function kindOf(plural: string): KindDef {
  const def = kindByAlias(plural);
  if (!def) {
    const known = Object.values(KINDS).map((k) => k.plural).join(', ');
    throw new GatewayError('GW_ROUTE_NOT_FOUND', `Unknown resource type "${plural}"; known: ${known}.`);
  }
  return def;
}

const ANY_RESOURCE = { oneOf: Object.values(KINDS).map((k) => ({ $ref: `#/components/schemas/${k.kind}` })) };
/** One document, a list of them, or a List with items (YAML multi-document bodies carry the same). */
const APPLY_SCHEMA = { oneOf: [ANY_RESOURCE, { type: 'array', items: ANY_RESOURCE }, { type: 'object', properties: { items: { type: 'array', items: ANY_RESOURCE } } }] };

/** A boolean query flag; anything unrecognised is refused rather than read as "false" (a real write). */
function flag(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null) return false;
  const v = raw.trim().toLowerCase();
  if (['', 'true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new GatewayError('GW_REQUEST_INVALID', `${name} must be true or false; got "${raw.slice(0, 40)}".`, { param: name });
}

const APPLY_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/json', 'text/plain'];

/** apply (create-or-update, dry run, diff), get, list (labels, pagination), delete. */
export function resourceRoutes(deps: ResourceRouteDeps): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/apply',
      auth: 'authenticated',
      summary: 'Create or update resources from YAML (multi-document) or JSON; all or nothing; ?dryRun=true returns the diff only.',
      requestSchema: APPLY_SCHEMA,
      async handle(req) {
        const type = (req.headers['content-type'] ?? 'application/yaml').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!APPLY_TYPES.includes(type)) {
          throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `Send resources as application/yaml or application/json, not ${type}.`);
        }
        const dryRun = flag(req.url, 'dryRun');
        const result = await deps.apply.applyText(actorOf(req), req.body.toString('utf8'), { dryRun }, metaOf(req));
        return { status: 200, body: result };
      },
    },
    {
      method: 'GET',
      path: '/{plural}',
      auth: 'authenticated',
      query: {
        labelSelector: { description: 'k=v,k2=v2: every label must match.' },
        limit: { description: 'Page size, 1-1000 (default 100).', type: 'integer' },
        continue: { description: 'The `continue` value of the previous page.' },
      },
      summary: 'List resources of a kind: ?labelSelector=k=v,k2=v2&limit=100&continue=<token>.',
      async handle(req) {
        const def = kindOf(req.params.plural as string);
        const page = await deps.reader.list(actorOf(req), def.kind, {
          labels: parseLabelSelector(req.url.searchParams.get('labelSelector')),
          limit: intParam(req.url, 'limit', 100, 1, 1000),
          after: req.url.searchParams.get('continue') ?? undefined,
        });
        return { status: 200, body: { apiVersion: 'gantry/v1alpha1', kind: `${def.kind}List`, items: page.items, continue: page.continue } };
      },
    },
    {
      method: 'GET',
      path: '/{plural}/{name}',
      auth: 'authenticated',
      summary: 'Read one resource.',
      async handle(req) {
        const def = kindOf(req.params.plural as string);
        return { status: 200, body: await deps.reader.get(actorOf(req), def.kind, req.params.name as string) };
      },
    },
    {
      method: 'DELETE',
      path: '/{plural}/{name}',
      auth: 'authenticated',
      summary: 'Delete one resource (refused while other resources reference it).',
      async handle(req) {
        const def = kindOf(req.params.plural as string);
        return { status: 200, body: await deps.deleteResource(actorOf(req), def.kind, req.params.name as string, metaOf(req)) };
      },
    },
  ];
}
