import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, metadataSchema, Name, Usd } from '../common.js';

export const DEFAULT_TARGET_UTILIZATION = 0.6;

/**
 * Self-hosted capacity priced from what it costs to run: gpus × $/GPU-hour ÷ (measured tokens per
 * hour × target utilisation). Models name it in `spec.gpuPool` (src/control-plane/pricing/gpu-pool-price.ts).
 */
export const GpuPoolSpecSchema = T.Object(
  {
    gpuType: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
    gpus: T.Integer({ minimum: 1, maximum: 100_000 }),
    costPerGpuHourUsd: Usd,
    /** Measured throughput of the whole pool (input and output tokens together). */
    tokensPerSecond: T.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000 }),
    /** Share of the capacity that is paid for by traffic on average, in (0, 1]. Default 0.6. */
    targetUtilization: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1 })),
    description: T.Optional(T.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const GpuPoolDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('GpuPool'), metadata: metadataSchema(Name), spec: GpuPoolSpecSchema },
  { additionalProperties: false },
);

export type GpuPoolSpec = Static<typeof GpuPoolSpecSchema>;
