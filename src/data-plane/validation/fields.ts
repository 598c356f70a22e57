import { GatewayError } from '../../kernel/errors/index.js';

/** Small, fast field checks that name the offending field in their error. */
export function invalid(param: string, expected: string): GatewayError {
  return new GatewayError('GW_REQUEST_INVALID', `Invalid request: ${param} ${expected}.`, { param });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number): void {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) throw invalid(field, `must be a number from ${min} to ${max}`);
}

export function optionalInteger(body: Record<string, unknown>, field: string, min: number): void {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || (v as number) < min) throw invalid(field, `must be an integer ≥ ${min}`);
}

export function optionalBoolean(body: Record<string, unknown>, field: string): void {
  const v = body[field];
  if (v !== undefined && v !== null && typeof v !== 'boolean') throw invalid(field, 'must be true or false');
}

export function requiredModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) throw invalid('model', 'is required and must be a non-empty string');
  return model;
}
