import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMeter, type Meter } from '../../src/data-plane/metering/meter.js';
import type { Route } from '../../src/data-plane/routes/route.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/server.js';
import type { RuntimeSnapshot } from '../../src/data-plane/snapshot.js';
import { createAttribute } from '../../src/data-plane/stages/attribute.js';
import { createAuthenticate } from '../../src/data-plane/stages/authenticate.js';
import { systemClock } from '../../src/kernel/clock.js';
import { createIdGenerator } from '../../src/kernel/ids.js';
import { silentLogger } from '../../src/kernel/logger.js';
import type { UsageEvent } from '../../src/kernel/types.js';
import { telemetryChannels } from '../../src/telemetry/channels.js';
import { NO_LIMITS } from './no-limits.js';

export interface DataPlaneServerOptions {
  /** The snapshot served, or where to read the current one (a live control plane's). */
  readonly snapshot: RuntimeSnapshot | (() => RuntimeSnapshot | undefined);
  /** Hashes API keys the way the snapshot's `keys` are keyed. */
  readonly hashKey: (key: string) => string;
  /** "METHOD /path" → route (each behind authenticate + attribute), built with the server's meter. */
  readonly routes: (meter: Meter) => Record<string, Route>;
}

export interface DataPlaneServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  /** Every usage event the meter recorded, in order. */
  readonly events: UsageEvent[];
  readonly dataPlane: DataPlane;
  close(): void;
}

/**
 * The data plane over real HTTP for tests: the snapshot given, no limits, a meter capturing usage
 * events, listening on 127.0.0.1 at a free port.
 */
export async function startDataPlaneServer(options: DataPlaneServerOptions): Promise<DataPlaneServer> {
  const events: UsageEvent[] = [];
  const { snapshot } = options;
  const channels = telemetryChannels();
  const meter = createMeter({ usageSink: { record: (e) => events.push(e) }, channels, clock: systemClock });
  const dataPlane = createDataPlane({
    snapshots: { current: typeof snapshot === 'function' ? snapshot : () => snapshot },
    clock: systemClock,
    newId: createIdGenerator(),
    logger: silentLogger,
    meter,
    limits: NO_LIMITS,
    channels,
    preStages: [createAuthenticate({ hashKey: options.hashKey, clock: systemClock }), createAttribute()],
    routes: new Map(Object.entries(options.routes(meter)).map(([key, route]) => [key, { route, authenticated: true }])),
    readiness: async () => undefined,
    renderMetrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  const server = createServer(dataPlane.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    dataPlane,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
