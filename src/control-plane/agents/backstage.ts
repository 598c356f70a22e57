import { stringify } from 'yaml';
import type { LifecycleState } from '../resources/kinds/agent.js';
import type { AgentExportInput } from './a2a-card.js';

/** A Backstage catalog entity (backstage.io/v1alpha1 Component). */
export interface BackstageComponent {
  readonly apiVersion: 'backstage.io/v1alpha1';
  readonly kind: 'Component';
  readonly metadata: {
    readonly name: string;
    readonly description?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly tags: readonly string[];
    readonly annotations: Readonly<Record<string, string>>;
    readonly links: readonly { readonly url: string; readonly title: string }[];
  };
  readonly spec: {
    readonly type: 'ai-agent';
    readonly lifecycle: 'production' | 'experimental' | 'deprecated';
    readonly owner: string;
    readonly dependsOn?: readonly string[];
  };
}

/** Gantry lifecycle → Backstage's conventional lifecycle values. */
export const BACKSTAGE_LIFECYCLE: Readonly<Record<LifecycleState, BackstageComponent['spec']['lifecycle']>> = {
  proposed: 'experimental',
  approved: 'experimental',
  active: 'production',
  suspended: 'experimental',
  deprecated: 'deprecated',
  retired: 'deprecated',
};

/**
 * A Backstage name: 1–63 characters, alphanumeric runs joined by single `-`, `_` or `.`. Gantry names
 * that allow more (model names may hold `/` and `:`) get those replaced by `-`; the annotations keep
 * the exact Gantry names.
 */
export function backstageName(raw: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, (run) => run[0] as string)
    .slice(0, 63)
    .replace(/^[._-]+|[._-]+$/g, '');
  return cleaned === '' ? 'unnamed' : cleaned;
}

const LABEL_KEY = /^(?:[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\/)?[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;

/** Labels Backstage accepts (a key with at most one `/` prefix; values as names); the rest are left out. */
function backstageLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k) || (k.split('/').at(-1) ?? '').length > 63 || v === '') continue;
    out[k] = backstageName(v);
  }
  return out;
}

/** The agent as a Backstage `Component` of `type: ai-agent`, owned by its team's group. */
export function renderBackstageEntity(agent: AgentExportInput, opts: { readonly publicUrl: string }): BackstageComponent {
  const spec = agent.spec;
  const lifecycle = spec.lifecycle ?? 'proposed';
  const labels = backstageLabels(agent.labels);
  const annotations: Record<string, string> = {
    'gantry.dev/agent': agent.name,
    'gantry.dev/owner-team': spec.owner,
    'gantry.dev/lifecycle': lifecycle,
  };
  if (spec.sponsor !== undefined) annotations['gantry.dev/sponsor'] = spec.sponsor;
  if (spec.models !== undefined) annotations['gantry.dev/models'] = spec.models.join(',');
  if (spec.tools !== undefined) annotations['gantry.dev/tools'] = spec.tools.join(',');
  const base = opts.publicUrl.replace(/\/+$/, '');
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: backstageName(agent.name),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      tags: ['ai-agent', 'gantry'],
      annotations,
      links: [{ url: `${base}/v1`, title: 'Gantry endpoint (OpenAI-compatible)' }],
    },
    spec: {
      type: 'ai-agent',
      lifecycle: BACKSTAGE_LIFECYCLE[lifecycle],
      owner: `group:default/${backstageName(spec.owner)}`,
      ...(spec.models !== undefined && spec.models.length > 0 ? { dependsOn: spec.models.map((m) => `resource:default/${backstageName(m)}`) } : {}),
    },
  };
}

/** Entities as one multi-document YAML file (catalog-info.yaml). */
export function toBackstageYaml(entities: readonly BackstageComponent[]): string {
  return entities.map((e) => `---\n${stringify(e, { lineWidth: 0 })}`).join('');
}
