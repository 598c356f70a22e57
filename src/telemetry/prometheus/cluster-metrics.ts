import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { PrometheusMetrics } from './metrics.js';

/**
 * `/metrics` under `gantry start --workers N`: the worker that takes the scrape asks the primary,
 * the primary collects every worker's registry (as JSON, over the cluster IPC channel) and sums it
 * (gauges use their own aggregator: min, max…), so a scrape sees one Gantry, not a random worker.
 * The IPC plumbing of the primary lives in main/cluster.ts; these are the two ends that touch prom-client.
 */
export const METRICS_IPC = {
  /** worker → primary: render the cluster's metrics for me. */
  request: 'metrics-request',
  /** primary → worker: send me your registry. */
  collect: 'metrics-collect',
  /** worker → primary: my registry. */
  part: 'metrics-part',
  /** primary → worker: the rendered text. */
  result: 'metrics-result',
} as const;

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

interface IpcMessage {
  readonly gantry: string;
  readonly id: number;
  readonly metrics?: unknown;
  readonly contentType?: string;
  readonly body?: string;
}

const isIpc = (m: unknown): m is IpcMessage => typeof m === 'object' && m !== null && typeof (m as { gantry?: unknown }).gantry === 'string';

/** Primary: one Prometheus text from the workers' registries (counters and histograms summed). */
export async function aggregateMetrics(parts: readonly unknown[]): Promise<RenderedMetrics> {
  const registry = AggregatorRegistry.aggregate(parts as MetricObjectWithValues<MetricValue<string>>[][]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export interface ClusterWorkerMetrics {
  /** The whole cluster's metrics; this worker's own if the primary does not answer in time. */
  render(): Promise<RenderedMetrics>;
  close(): void;
}

/** Worker: answers the primary's collect requests and renders /metrics through the primary. */
export function createClusterWorkerMetrics(local: PrometheusMetrics, timeoutMs = 3_000): ClusterWorkerMetrics {
  const waiting = new Map<number, (m: RenderedMetrics | undefined) => void>();
  let next = 0;
  const onMessage = (m: unknown) => {
    if (!isIpc(m)) return;
    if (m.gantry === METRICS_IPC.collect) {
      local.registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ gantry: METRICS_IPC.part, id: m.id, metrics }),
        () => process.send?.({ gantry: METRICS_IPC.part, id: m.id, metrics: [] }),
      );
    } else if (m.gantry === METRICS_IPC.result) {
      const done = waiting.get(m.id);
      waiting.delete(m.id);
      done?.(typeof m.body === 'string' && typeof m.contentType === 'string' ? { contentType: m.contentType, body: m.body } : undefined);
    }
  };
  process.on('message', onMessage);
  return {
    async render() {
      if (!process.send || !process.connected) return local.render();
      const id = next++;
      const answer = await new Promise<RenderedMetrics | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        process.send?.({ gantry: METRICS_IPC.request, id });
      });
      return answer ?? local.render();
    },
    close() {
      process.off('message', onMessage);
      for (const done of waiting.values()) done(undefined);
      waiting.clear();
    },
  };
}
