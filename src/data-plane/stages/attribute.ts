import { GatewayError } from '../../kernel/errors/index.js';
import type { Attribution } from '../../kernel/types.js';
import type { RequestContext } from '../context.js';

const VALUE = /^[\w.:@/-]{1,128}$/;
const TAG_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_TAGS = 20;
const EMPTY_TAGS: Readonly<Record<string, string>> = Object.freeze({});

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  if (v === undefined) return undefined;
  const value = (Array.isArray(v) ? v.join(',') : v).trim();
  if (value === '') return undefined;
  if (!VALUE.test(value)) {
    throw new GatewayError(
      'GW_REQUEST_INVALID',
      `Header ${name} must be 1-128 characters of letters, digits and . _ - : @ /.`,
      { param: name },
    );
  }
  return value;
}

/** Parses `x-gantry-tags: k=v,k2=v2`. */
export function parseTags(raw: string | string[] | undefined): Readonly<Record<string, string>> {
  if (raw === undefined) return EMPTY_TAGS;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  if (text.trim() === '') return EMPTY_TAGS;
  const tags: Record<string, string> = {};
  const pairs = text.split(',');
  if (pairs.length > MAX_TAGS) {
    throw new GatewayError('GW_REQUEST_INVALID', `Header x-gantry-tags carries more than ${MAX_TAGS} tags.`, { param: 'x-gantry-tags' });
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    const value = eq === -1 ? '' : pair.slice(eq + 1).trim();
    if (!TAG_KEY.test(key) || value.length === 0 || value.length > 256) {
      throw new GatewayError(
        'GW_REQUEST_INVALID',
        `Header x-gantry-tags must be "key=value,key2=value2" (keys: letters, digits, _ . -; values 1-256 characters); "${pair.trim().slice(0, 40)}" is not.`,
        { param: 'x-gantry-tags' },
      );
    }
    tags[key] = value;
  }
  return tags;
}

/** Records who the request is for (agent / workflow / run / tags) from the x-gantry-* headers. */
export function createAttribute() {
  return function attribute(ctx: RequestContext): void {
    const attribution: Attribution = {
      agent: header(ctx, 'x-gantry-agent'),
      workflow: header(ctx, 'x-gantry-workflow'),
      run: header(ctx, 'x-gantry-run'),
      tags: parseTags(ctx.headers['x-gantry-tags']),
    };
    ctx.attribution = attribution;
  };
}
