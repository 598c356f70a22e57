import type { StoredResource } from '../../storage/ports/resource-store.js';
import { isoTime } from '../../kernel/clock.js';
import { API_VERSION } from './common.js';

/** A resource as the API returns it: never the `secret` column. */
export interface RenderedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly generation: number;
    readonly uid: string;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly createdBy: string;
    readonly updatedBy: string;
  };
  readonly spec: unknown;
  readonly status?: unknown;
}

export function renderResource(r: StoredResource, extraStatus?: Record<string, unknown>): RenderedResource {
  const status: Record<string, unknown> = { ...((r.status as Record<string, unknown> | undefined) ?? {}) };
  if (r.lastUsedAt !== undefined) status[r.kind === 'Agent' ? 'lastSeenAt' : 'lastUsedAt'] = isoTime(r.lastUsedAt);
  if (extraStatus) Object.assign(status, extraStatus);
  return {
    apiVersion: API_VERSION,
    kind: r.kind,
    metadata: {
      name: r.name,
      ...(Object.keys(r.labels).length > 0 ? { labels: r.labels } : {}),
      generation: r.generation,
      uid: r.uid,
      createdAt: isoTime(r.createdAt),
      updatedAt: isoTime(r.updatedAt),
      createdBy: r.createdBy,
      updatedBy: r.updatedBy,
    },
    spec: r.spec,
    ...(Object.keys(status).length > 0 ? { status } : {}),
  };
}

/** The part of a resource a change is judged by (and audited with): labels and spec. */
export function desiredState(r: { labels: Readonly<Record<string, string>>; spec: unknown }): Record<string, unknown> {
  return { labels: r.labels, spec: r.spec };
}
