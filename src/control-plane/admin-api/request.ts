import { parseJsonBody } from '../../data-plane/http/read-body.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Actor } from '../rbac/roles.js';
import type { CallMeta } from '../service/deps.js';
import type { AdminRequest } from './types.js';

/** The authenticated actor of a non-public route (the router guarantees it). */
export function actorOf(req: AdminRequest): Actor {
  if (!req.actor) throw new GatewayError('GW_ADMIN_AUTH_REQUIRED');
  return req.actor;
}

export const metaOf = (req: AdminRequest): CallMeta => ({ requestId: req.requestId, sourceIp: req.sourceIp });

/** Parses a JSON object body; an empty body is `{}`. */
export function jsonBody(req: AdminRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const value = parseJsonBody(req.body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GatewayError('GW_REQUEST_INVALID', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new GatewayError('GW_REQUEST_INVALID', `${name} must be an integer from ${min} to ${max}.`, { param: name });
  return n;
}

/** `k=v,k2=v2` → labels (equality only). */
export function parseLabelSelector(raw: string | null): Record<string, string> | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    if (eq <= 0 || key === '') throw new GatewayError('GW_REQUEST_INVALID', `labelSelector must be "key=value,key2=value2"; "${part}" is not.`, { param: 'labelSelector' });
    const value = part.slice(eq + 1).trim();
    if (value.includes('=')) throw new GatewayError('GW_REQUEST_INVALID', `labelSelector supports only key=value (equality); "${part}" is not.`, { param: 'labelSelector' });
    out[key] = value;
  }
  return out;
}

export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new GatewayError('GW_REQUEST_INVALID', `${name} must be a string.`, { param: name });
  return v;
}

export function optionalInt(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new GatewayError('GW_REQUEST_INVALID', `${name} must be an integer from ${min} to ${max}.`, { param: name });
  }
  return v;
}
