import cluster from 'node:cluster';
import { hkdfSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDataPlane } from '../data-plane/server.js';
import { createDeleteResponseRoute, createGetResponseRoute, createRecentResponses, createResponsesRoute } from '../data-plane/protocols/responses/index.js';
import { createLimits } from '../data-plane/limits/limits.js';
import { createMeter } from '../data-plane/metering/meter.js';
import { createChatCompletionsRoute } from '../data-plane/routes/chat-completions.js';
import { createResponseCache } from '../data-plane/cache/exact-cache.js';
import { createSemanticLayer } from '../data-plane/cache/semantic-cache.js';
import { createUpstreamCaller } from '../data-plane/routing/upstream-caller.js';
import { createDeploymentHealth } from '../data-plane/routing/deployment-health.js';
import { createEmbeddingsRoute } from '../data-plane/routes/embeddings.js';
import { createGetModelRoute, createListModelsRoute } from '../data-plane/routes/models.js';
import { createCountTokensRoute } from '../data-plane/protocols/anthropic/count-tokens.js';
import { createMessagesRoute } from '../data-plane/protocols/anthropic/route.js';
import { createAttribute } from '../data-plane/stages/attribute.js';
import { createMcpRoutes } from '../data-plane/mcp/index.js';
import { createDriftReporter } from '../data-plane/stages/agent-drift.js';
import { createAuthenticate } from '../data-plane/stages/authenticate.js';
import { createAuthorize } from '../data-plane/stages/authorize.js';
import { auditSeal } from '../kernel/audit-hash.js';
import { systemClock } from '../kernel/clock.js';
import { createIdGenerator } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import { createBatchingUsageWriter } from '../storage/batching-usage-writer.js';
import type { DriftStore } from '../storage/ports/drift-store.js';
import type { LedgerStore } from '../storage/ports/ledger-store.js';
import { createUsageOutbox } from '../storage/usage-outbox.js';
import type { ResourceStore } from '../storage/ports/resource-store.js';
import type { Database } from 'better-sqlite3';
import { openSqlite } from '../storage/sqlite/database.js';
import { createSqliteDriftStore } from '../storage/sqlite/drift-store.js';
import { createSqliteLedgerStore } from '../storage/sqlite/ledger-store.js';
import { createSqliteResponseStore } from '../storage/sqlite/response-store.js';
import { telemetryChannels } from '../telemetry/channels.js';
import { createClusterWorkerMetrics } from '../telemetry/prometheus/cluster-metrics.js';
import { createPrometheusMetrics } from '../telemetry/prometheus/metrics.js';
import { createActivityRecorder } from './activity.js';
import { startAlerts } from './alerts/index.js';
import { startAgentDrift } from './agent-drift.js';
import { type Bootstrap, bootstrap } from './bootstrap.js';
import { createControlPlane } from './control-plane.js';
import { startGrantExpiry } from './grant-expiry.js';
import { startHealthChecks } from './health-checks.js';
import { readCacheSettings } from './cache-settings.js';
import { openCacheStore } from './cache-store.js';
import { openSemanticIndex } from './semantic-index.js';
import { readCounterSettings } from './counter-settings.js';
import { counterOwner, openCounterStore } from './counters.js';
import { createAlertAuditRecorder } from './alerts/audit-recorder.js';
import { subscribePolicyAudit } from './policy-audit.js';
import { subscribeToolAudit } from './tool-audit.js';
import { startSpendView } from './spend-view.js';
import { subscribeGuardrailAudit } from './guardrail-audit.js';
import { createGuardrailPipeline } from '../data-plane/guardrails/index.js';
import { startLimitsRuntime } from './limits-runtime.js';
import { createProviderRegistry } from './providers.js';
import { createMcpUpstreamRegistry } from './mcp-upstreams.js';
import { createSecretCrypto, loadMasterKeys, sharedKeyWarning } from './master-key.js';
import { applyStartupConfig, ensureDemoKey } from './seed.js';
import type { Settings } from './settings.js';

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly bootstrap: Bootstrap;
  readonly configSource: string;
  readonly server: Server;
  /** Graceful shutdown: stop accepting, drain in-flight requests, flush usage, close stores. */
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Only the adapter in use is loaded (the Postgres driver costs memory a SQLite install never needs). */
async function openResourceStore(settings: Settings, seal: (hash: string) => string): Promise<ResourceStore> {
  if (settings.databaseUrl) {
    const { openPostgresResourceStore } = await import('../storage/sql/postgres.js');
    return openPostgresResourceStore({ url: settings.databaseUrl, schema: settings.databaseSchema, seal });
  }
  const { openSqliteResourceStore } = await import('../storage/sql/sqlite.js');
  return openSqliteResourceStore(join(settings.dataDir, 'gantry.db'), { seal });
}

/**
 * Every process sealing one audit log must hold the same key (the same GANTRY_KEY_HASH_SECRET); one
 * with another key would seal entries nobody else can verify, and its keys would fail elsewhere.
 */
async function assertSameSealKey(store: ResourceStore, key: Buffer): Promise<void> {
  const last = await store.lastAudit();
  if (last?.seal !== undefined && last.seal !== auditSeal(key, last.hash)) {
    await store.close();
    throw new Error(
      'This process has a different key-hash secret than the one that sealed the audit log in this database. Every Gantry process that shares a database must share GANTRY_KEY_HASH_SECRET (or the data directory\'s key-hash-secret file).',
    );
  }
}

/**
 * The usage ledger and the agent drift findings next to it (docs/agents.md#drift-detection): in
 * Postgres with the resources when GANTRY_DATABASE_URL is set (replicas share them; one pool for
 * both), else in the SQLite file.
 */
async function openLedger(settings: Settings, db: Database): Promise<{ ledger: LedgerStore; drift: DriftStore }> {
  if (settings.databaseUrl) {
    const { openPostgresLedgerStore } = await import('../storage/sql/postgres-ledger-store.js');
    const ledger = await openPostgresLedgerStore({ url: settings.databaseUrl, schema: settings.databaseSchema });
    return { ledger, drift: ledger.drift };
  }
  return { ledger: createSqliteLedgerStore(db), drift: createSqliteDriftStore(db) };
}

export interface StartOptions {
  /** Skip applying gantry.yaml / the built-in config and creating the demo key (`--workers`: worker 1 did it). */
  readonly skipSeed?: boolean;
  /** A `--workers` worker: /metrics answers for the whole cluster, through the primary. */
  readonly clusterMetrics?: boolean;
}

/** The composition root: settings → stores → control plane (snapshot) → data plane → listen. */
export async function startGateway(settings: Settings, env: NodeJS.ProcessEnv, logger: Logger, options: StartOptions = {}): Promise<RunningGateway> {
  const clock = systemClock;
  const newId = createIdGenerator();
  const version = packageVersion();
  // The data directory holds secrets: owner-only, created before anything is written into it.
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const boot = bootstrap(settings);
  // Secrets' master key (docs/secrets.md): a malformed one stops the start here, before anything opens.
  const masterKeys = loadMasterKeys(env, settings.dataDir);
  const db = openSqlite(join(settings.dataDir, 'gantry.db'));
  const { ledger, drift: driftStore } = await openLedger(settings, db);
  // The audit seal key comes from the key-hash secret (outside the database), so replicas share it.
  const auditKey = Buffer.from(hkdfSync('sha256', boot.keyHashSecret, 'gantry', 'audit-seal', 32));
  const store = await openResourceStore(settings, (hash) => auditSeal(auditKey, hash));
  await assertSameSealKey(store, auditKey);
  if (settings.databaseUrl && !settings.keyHashSecret) {
    logger.warn('GANTRY_DATABASE_URL is set but GANTRY_KEY_HASH_SECRET is not: every replica must share the same key-hash secret, or keys created on one replica fail on the others.');
  }
  if (masterKeys.created) logger.info({ path: masterKeys.path }, 'created the master key that encrypts Secrets; back it up with the data directory (docs/secrets.md)');
  const masterKeyWarning = sharedKeyWarning(masterKeys, settings.databaseUrl);
  if (masterKeyWarning) logger.warn(masterKeyWarning);
  const providers = createProviderRegistry(env, logger);
  // Upstream MCP servers (stdio processes, HTTP clients) of the McpServers in the snapshot.
  const mcpUpstreams = createMcpUpstreamRegistry({ env, logger, clock });
  let listenUrl = '';

  // Usage events go to a write-ahead outbox before memory (a killed process loses none of them);
  // segments left by processes that are gone are replayed now and every few seconds.
  const writer = createBatchingUsageWriter({
    ledger,
    flushIntervalMs: settings.usageFlushMs,
    outbox: createUsageOutbox({
      dir: join(settings.dataDir, 'outbox'),
      onBadLine: (segment, line) => logger.warn({ segment, line }, 'skipped an unreadable line in a usage outbox segment'),
    }),
    onError: (err, pending) => logger.error({ err, pending }, 'writing usage events failed; keeping them and retrying'),
    onOutboxError: (err) => logger.error({ err }, 'the usage outbox failed (events stay in memory until written to the ledger)'),
  });
  const replayed = await writer.replay().catch((err: unknown) => {
    logger.warn({ err }, 'replaying the usage outbox failed; retrying in the background');
    return 0;
  });
  if (replayed > 0) logger.info({ events: replayed }, 'replayed usage events of a process that stopped before writing them');
  const channels = telemetryChannels();
  // Per-process health of every deployment (breakers, EWMA latency, in flight): the upstream caller
  // feeds it; /metrics, GET /admin/v1/deployments and the active health checks read it.
  const deploymentHealth = createDeploymentHealth({ clock, channels });
  // Metrics first: they must see the first snapshot swap too.
  const metrics = createPrometheusMetrics({ deploymentHealth });
  const clusterMetrics = options.clusterMetrics ? createClusterWorkerMetrics(metrics) : undefined;
  const control = createControlPlane({
    store,
    ledger,
    clock,
    newId,
    logger,
    hashSecret: boot.hashKey,
    keyHashSecret: boot.keyHashSecret,
    adminToken: boot.adminToken,
    env,
    providerFor: providers.providerFor,
    secretCrypto: createSecretCrypto(masterKeys, boot.hashKey),
    onProvidersCompiled: () => {
      providers.sweep();
      mcpUpstreams.sweep();
    },
    mcpUpstreamFor: mcpUpstreams.upstreamFor,
    mcpStatus: mcpUpstreams.status,
    flushUsage: () => writer.flush(),
    pollMs: settings.snapshotPollMs,
    publicUrl: () => settings.publicUrl ?? listenUrl,
    version,
    channels,
    auditKey,
    deploymentHealth: () => deploymentHealth.list(),
    drift: driftStore,
  });
  await control.sync.start();
  let source = 'applied by the first worker';
  if (!options.skipSeed) {
    const seeded = await applyStartupConfig(settings, control.apply, control.serviceDeps);
    source = seeded.source;
    for (const path of seeded.keyFiles) logger.info({ path }, 'an ApiKey from gantry.yaml was created; its secret (shown nowhere else) is in this owner-only file: move it to your secret store and delete the file');
    const demoWarning = await ensureDemoKey(boot.demoKey, control.apply, control.serviceDeps);
    if (demoWarning) logger.warn(demoWarning);
  }
  const snapshots = control.snapshots;
  // Approved grants past expiresAt are marked expired and audited (one process wins each; docs/grants.md).
  const grantExpiry = startGrantExpiry({ grants: control.grants, logger });
  const activity = createActivityRecorder({ store, clock, flushMs: settings.activityFlushMs, onError: (err) => logger.warn({ err }, 'recording key activity failed; will retry') });

  const meter = createMeter({ usageSink: writer, channels, clock });
  // One reporter for every drift decision point (attribute, model resolution, MCP gateway).
  const driftReporter = createDriftReporter({ channels, clock });
  // Budgets and rate limits: shared counters (docs/counters.md), settled after every request.
  const counterSettings = readCounterSettings(env, { clustered: cluster.isWorker });
  if (settings.databaseUrl && !env.GANTRY_COUNTERS && counterSettings.kind !== 'redis') {
    logger.warn(
      'GANTRY_DATABASE_URL is set but GANTRY_REDIS_URL is not: budgets and rate limits are counted by this host only, so replicas on other hosts each enforce their own copy. Set GANTRY_REDIS_URL on every replica (or GANTRY_COUNTERS to say a single host is intended).',
    );
  }
  const counters = await openCounterStore(counterSettings, settings.dataDir, counterOwner());
  // Budget thresholds and spend anomalies: metric, audit entry, signed webhook (docs/alerts.md).
  const alerts = startAlerts({ channels, store, ledger, counters, clock, logger, settings, onWebhookFailure: metrics.alertWebhookFailed, userAgent: `gantry/${version}` });
  // Agent drift: aggregated, written in batches, one agent_drift alert per finding and UTC day.
  const agentDrift = startAgentDrift({ store: driftStore, counters, channels, clock, logger });
  // Guardrail blocks go to the audit log in batches (the alert recorder's queue and retries).
  const guardrailAudit = createAlertAuditRecorder({ store, logger });
  const stopGuardrailAudit = subscribeGuardrailAudit(guardrailAudit.recordDraft, () => clock.now());
  // Policy denials join the same audit queue; dry-run would-denies are warn lines.
  const stopPolicyAudit = subscribePolicyAudit(guardrailAudit.recordDraft, logger, () => clock.now());
  // MCP tool calls outside an agent's declaration (GW_TOOL_NOT_ALLOWED) join the same queue.
  const stopToolAudit = subscribeToolAudit(guardrailAudit.recordDraft, () => clock.now());
  // Teams' month-to-date spend for policies, refreshed off the request path.
  const spendView = startSpendView({ ledger, clock, logger });
  const limitsRuntime = await startLimitsRuntime({ counters, ledger, clock, logger, livenessTtlMs: counterSettings.livenessTtlMs, current: () => snapshots.current() });
  // A budget counter is only ever started from the ledger (never at 0 by a request that raced the seeding).
  const limits = createLimits({ counters, clock, channels, logger, seed: limitsRuntime.seedHold });
  const firstSnapshot = snapshots.current();
  if (firstSnapshot) await limitsRuntime.seed(firstSnapshot);
  // A Budget applied at runtime counts the spend already in its window: seed on every new snapshot.
  const seedOnSwap = () => {
    const s = snapshots.current();
    if (s) void limitsRuntime.seed(s);
  };
  channels.snapshotSwap.subscribe(seedOnSwap);
  // Models with spec.routing.healthCheck: a 1-token probe per deployment (not metered: platform cost).
  const healthChecks = startHealthChecks({ snapshots, health: deploymentHealth, clock, logger });
  // Cached answers (docs/caching.md): the store like the counters' (memory, the host's SQLite file, or Redis).
  const cacheSettings = readCacheSettings(env, { clustered: cluster.isWorker });
  const cacheStore = await openCacheStore(cacheSettings, settings.dataDir);
  const semanticIndex = await openSemanticIndex(cacheSettings, env);
  const cache = createResponseCache({ store: cacheStore, clock, logger, semantic: createSemanticLayer({ index: semanticIndex, clock, logger }) });
  const routeDeps = { meter, limits, clock, maxBodyBytes: settings.maxBodyBytes, caller: createUpstreamCaller({ health: deploymentHealth, clock, channels }), cache, guardrails: createGuardrailPipeline({ channels, logger }), authorize: createAuthorize({ channels, spend: spendView }), drift: driftReporter };
  const authenticated = (route: ReturnType<typeof createListModelsRoute>) => ({ route, authenticated: true });
  // The MCP gateway (docs/mcp.md): POST /mcp and /mcp/<server>, stateless Streamable HTTP.
  const mcp = createMcpRoutes({ limits, clock, channels, drift: driftReporter, logger, maxBodyBytes: settings.maxBodyBytes, version });
  const responses = createRecentResponses({ store: createSqliteResponseStore(db), clock, onError: (err, what) => logger.error({ err }, `${what} failed`) });

  const dataPlane = createDataPlane({
    snapshots,
    clock,
    newId,
    logger,
    meter,
    limits,
    channels,
    preStages: [createAuthenticate({ hashKey: boot.hashKey, clock }), createAttribute({ activity, drift: driftReporter })],
    routes: new Map([
      ['POST /v1/chat/completions', authenticated(createChatCompletionsRoute(routeDeps))],
      ['POST /v1/embeddings', authenticated(createEmbeddingsRoute(routeDeps))],
      ['GET /v1/models', authenticated(createListModelsRoute())],
      ['POST /v1/responses', authenticated(createResponsesRoute({ ...routeDeps, newId, responses, ttlMs: settings.responsesTtlHours * 3_600_000 }))],
      ['POST /v1/messages', authenticated(createMessagesRoute(routeDeps))],
      ['POST /v1/messages/count_tokens', authenticated(createCountTokensRoute(routeDeps))],
      ...mcp.exact.map(([key, route]) => [key, authenticated(route)] as const),
    ]),
    prefixRoutes: [
      ['GET /v1/models/', authenticated(createGetModelRoute((url) => url.split('?')[0]!.slice('/v1/models/'.length)))],
      ['GET /v1/responses/', authenticated(createGetResponseRoute(responses))],
      ['DELETE /v1/responses/', authenticated(createDeleteResponseRoute(responses))],
      ...mcp.prefix.map(([key, route]) => [key, authenticated(route)] as const),
    ],
    readiness: async () => {
      if (!snapshots.current()) return 'configuration snapshot not loaded';
      db.prepare('SELECT 1').get();
      // The data plane serves from the snapshot: a configuration store outage makes a process unready
      // only once its snapshot is too old, so one database outage does not empty the load balancer.
      const staleMs = control.sync.staleMs();
      if (staleMs > settings.snapshotMaxStaleMs) return `the configuration store has been unreachable for ${Math.round(staleMs / 1000)} s`;
      return undefined;
    },
    renderMetrics: () => (clusterMetrics ? clusterMetrics.render() : metrics.render()),
  });
  const admin = control.router;

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 66_000 }, (req, res) => {
    if (req.url?.startsWith('/admin/')) admin.handle(req, res);
    else dataPlane.handle(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  listenUrl = `http://${hostForUrl}:${port}`;

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    dataPlane.startDraining();
    server.close();
    server.closeIdleConnections();
    const deadline = clock.monotonic() + settings.shutdownTimeoutMs;
    while (dataPlane.inFlight() + admin.inFlight() > 0 && clock.monotonic() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (dataPlane.inFlight() > 0) {
      logger.warn({ inFlight: dataPlane.inFlight() }, 'shutdown timeout: aborting in-flight requests');
      dataPlane.abortAll('Gantry is shutting down.');
      const hard = clock.monotonic() + 2_000;
      while (dataPlane.inFlight() > 0 && clock.monotonic() < hard) await new Promise((r) => setTimeout(r, 10));
    }
    server.closeAllConnections();
    // Every step runs even if one fails: a ledger outage at shutdown must not skip the alert flush or store close.
    const steps: Array<[string, () => unknown]> = [
      ['grantExpiry.close', () => grantExpiry.close()],
      ['control.sync.stop', () => control.sync.stop()],
      ['healthChecks.close', () => healthChecks.close()],
      ['writer.close', () => writer.close()],
      ['channels.snapshotSwap.unsubscribe', () => channels.snapshotSwap.unsubscribe(seedOnSwap)],
      ['limits.close', () => limits.close()],
      ['agentDrift.close', () => agentDrift.close()],
      ['alerts.close', () => alerts.close()],
      [
        'guardrailAudit.close',
        () => {
          stopGuardrailAudit();
          stopPolicyAudit();
          stopToolAudit();
          spendView.stop();
          return guardrailAudit.close();
        },
      ],
      ['limitsRuntime.close', () => limitsRuntime.close()],
      ['counters.close', () => counters.close()],
      ['cacheStore.close', () => cacheStore.close()],
      ['semanticIndex.close', () => semanticIndex.close()],
      ['activity.close', () => activity.close()],
      ['providers.closeAll', () => providers.closeAll()],
      ['mcpUpstreams.closeAll', () => mcpUpstreams.closeAll()],
      ['store.close', () => store.close()],
      ['ledger.close', () => ledger.close?.()],
      ['clusterMetrics.close', () => clusterMetrics?.close()],
      ['metrics.close', () => metrics.close()],
    ];
    const failed: string[] = [];
    for (const [name, run] of steps) {
      try {
        await run();
      } catch (err) {
        failed.push(name);
        logger.error({ err, step: name }, 'a shutdown step failed; continuing with the others');
      }
    }
    db.close();
    // Usage events not written are still in the outbox (replayed at the next start); the exit code says it.
    if (failed.length > 0) throw new Error(`shutdown steps failed: ${failed.join(', ')}`);
  }

  return {
    url: listenUrl,
    port,
    bootstrap: boot,
    configSource: source,
    server,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
