import { Type as T } from '@sinclair/typebox';
import { GatewayError } from '../../kernel/errors/index.js';
import { Ident } from '../resources/common.js';
import { MAX_ROTATION_GRACE_SECONDS } from '../service/prepare-secret.js';
import type { SecretService } from '../service/secrets.js';
import { actorOf, jsonBody, metaOf, optionalInt, optionalString } from './request.js';
import type { AdminRoute } from './types.js';

// Request bodies, for the OpenAPI document (the handlers check the same fields with clear messages).
const MAX_VALUE_LENGTH = 65_536;
const Value = T.String({ minLength: 1, maxLength: MAX_VALUE_LENGTH, description: 'the value (write-only: never returned)' });
const CreateBody = T.Object({
  name: Ident,
  value: Value,
  description: T.Optional(T.String({ maxLength: 1000 })),
  rotationGraceSeconds: T.Optional(T.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS, default: 3600 })),
});
const RotateBody = T.Object({ value: Value, gracePeriodSeconds: T.Optional(T.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_SECONDS })) });

/** The value field: required, never echoed in an error. */
function secretValue(body: Record<string, unknown>): string {
  const v = body.value;
  if (typeof v !== 'string' || v === '') throw new GatewayError('GW_REQUEST_INVALID', 'value is required: the Secret\'s value, as a non-empty string.', { param: 'value' });
  // Rotation does not pass through the Secret schema: the same bound, checked here.
  if (v.length > MAX_VALUE_LENGTH) throw new GatewayError('GW_REQUEST_INVALID', `value must be at most ${MAX_VALUE_LENGTH} characters.`, { param: 'value' });
  return v;
}

/** Secret verbs (platform admins): create and rotate from a value (answers carry metadata only), re-wrap under a new master key. */
export function secretRoutes(deps: { readonly secrets: SecretService }): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/secrets',
      auth: 'authenticated',
      summary: 'Create a Secret from a value; the answer is its metadata (the value is never returned).',
      requestSchema: CreateBody,
      async handle(req) {
        const b = jsonBody(req);
        const name = optionalString(b, 'name');
        if (!name) throw new GatewayError('GW_REQUEST_INVALID', 'name is required: the name of the Secret.', { param: 'name' });
        const input = {
          name,
          value: secretValue(b),
          description: optionalString(b, 'description'),
          rotationGraceSeconds: optionalInt(b, 'rotationGraceSeconds', 0, MAX_ROTATION_GRACE_SECONDS),
        };
        const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as typeof input;
        return { status: 201, body: await deps.secrets.create(actorOf(req), clean, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/secrets/{name}/rotate',
      auth: 'authenticated',
      summary: 'Rotate a Secret to a new value; the previous version stays valid for gracePeriodSeconds (default: its rotationGraceSeconds, 3600).',
      requestSchema: RotateBody,
      async handle(req) {
        const b = jsonBody(req);
        const grace = optionalInt(b, 'gracePeriodSeconds', 0, MAX_ROTATION_GRACE_SECONDS);
        return { status: 200, body: await deps.secrets.rotate(actorOf(req), req.params.name as string, secretValue(b), grace, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/secrets/rewrap',
      auth: 'authenticated',
      summary: "Re-wrap every Secret's data keys under the current master key (after a master key rotation).",
      async handle(req) {
        return { status: 200, body: await deps.secrets.rewrap(actorOf(req), metaOf(req)) };
      },
    },
  ];
}
