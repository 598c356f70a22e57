import { hkdfSync } from 'node:crypto';
import { generateApiKey } from '../kernel/api-keys.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { actionRoutes } from '../control-plane/admin-api/action-routes.js';
import { grantRoutes } from '../control-plane/admin-api/grant-routes.js';
import { createGrantService } from '../control-plane/service/grants.js';
import { agentRoutes } from '../control-plane/admin-api/agent-routes.js';
import { createAgentInventory } from '../control-plane/agents/inventory.js';
import { deploymentRoutes } from '../control-plane/admin-api/deployment-routes.js';
import { driftRoutes } from '../control-plane/admin-api/drift-routes.js';
import { usageRoutes } from '../control-plane/admin-api/usage-routes.js';
import { createAdminAuth } from '../control-plane/admin-api/auth.js';
import { openApiRoute } from '../control-plane/admin-api/openapi.js';
import { resourceRoutes } from '../control-plane/admin-api/resource-routes.js';
import { createAdminRouter } from '../control-plane/admin-api/router.js';
import type { AdminRoute } from '../control-plane/admin-api/types.js';
import { createValidator } from '../control-plane/resources/validate.js';
import { createAgentLifecycle } from '../control-plane/service/agents.js';
import { createApply } from '../control-plane/service/apply.js';
import { createDelete } from '../control-plane/service/delete.js';
import { createEnvPolicy, createMcpStdioPolicy } from '../control-plane/service/env-policy.js';
import type { ServiceDeps } from '../control-plane/service/deps.js';
import { createKeyService } from '../control-plane/service/keys.js';
import { createReader } from '../control-plane/service/read.js';
import { createUserService } from '../control-plane/service/users.js';
import { createSnapshotCompiler } from '../control-plane/snapshot/compile.js';
import type { SecretApiKey } from '../control-plane/snapshot/compile-model.js';
import { secretRoutes } from '../control-plane/admin-api/secret-routes.js';
import { createSecretResolver } from '../control-plane/secrets/resolver.js';
import { createSecretService } from '../control-plane/service/secrets.js';
import type { SecretCrypto } from '../control-plane/service/deps.js';
import { compileIdentities, type Identities } from '../control-plane/snapshot/identities.js';
import { createResourceCache } from '../control-plane/snapshot/resource-cache.js';
import { createSnapshotSync } from '../control-plane/snapshot/sync.js';
import { createSnapshotHolder } from '../control-plane/snapshot/holder.js';
import { createOidcRoutes, readOidcSettings } from '../control-plane/sso/index.js';
import type { DeploymentStatus } from '../data-plane/routing/deployment-health.js';
import { type McpServerStatus, mcpStatusRoutes } from '../control-plane/admin-api/mcp-status-routes.js';
import type { McpUpstreamFor } from '../control-plane/snapshot/compile-mcp.js';
import type { Provider } from '../providers/contract.js';
import type { ProviderSpec } from '../control-plane/resources/kinds/provider.js';
import type { DriftFinding, DriftQuery } from '../storage/ports/drift-store.js';
import type { LedgerStore } from '../storage/ports/ledger-store.js';
import type { ResourceStore } from '../storage/ports/resource-store.js';
import type { SnapshotSwapMessage, TelemetryChannels } from '../telemetry/channels.js';

export interface ControlPlaneDeps {
  readonly store: ResourceStore;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly newId: (prefix: string, length?: number) => string;
  readonly logger: Logger;
  readonly hashSecret: (secret: string) => string;
  /** The server-side secret keys are hashed with; the SSO cookie key is derived from it. */
  readonly keyHashSecret: string;
  readonly adminToken: string;
  readonly env: NodeJS.ProcessEnv;
  readonly providerFor: (name: string, spec: ProviderSpec, apiKey?: SecretApiKey) => Provider;
  /** Secret encryption under the master key (main/master-key.ts); undefined: Secrets cannot be stored or resolved. */
  readonly secretCrypto?: SecretCrypto;
  /** Called after each compile with the providers still in use (the rest can be closed). */
  readonly onProvidersCompiled: () => void;
  readonly flushUsage: () => Promise<void>;
  readonly pollMs: number;
  readonly publicUrl: () => string;
  readonly version: string;
  readonly channels: TelemetryChannels;
  /** Verifies audit seals (GET /audit/verify); undefined: seals are not checked. */
  readonly auditKey?: Buffer;
  /** This process's deployment health for GET /deployments; undefined: every deployment shows as never called. */
  readonly deploymentHealth?: () => readonly DeploymentStatus[];
  /** Creates the live upstreams of McpServers (main/mcp-upstreams.ts); undefined: this process serves no McpServer. */
  readonly mcpUpstreamFor?: McpUpstreamFor;
  /** This process's MCP upstreams for GET /mcpservers/status; undefined: none run here. */
  readonly mcpStatus?: () => readonly McpServerStatus[];
  /** Agent drift findings (GET /agents/drift, the agents inventory); undefined: none are kept. */
  readonly drift?: { list(q: DriftQuery): Promise<DriftFinding[]> };
}

function parseRoleMap(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.lastIndexOf('=');
    const role = pair.slice(eq + 1);
    if (eq <= 0 || !['platform-admin', 'finops-viewer', 'auditor'].includes(role)) {
      throw new Error(`GANTRY_OIDC_ROLE_MAP must be "group=role,…" with roles platform-admin, finops-viewer or auditor; "${pair}" is not.`);
    }
    map.set(pair.slice(0, eq), role);
  }
  return map;
}

/** Wires the control plane: resource cache + snapshot sync, services, and the admin API router. */
export function createControlPlane(deps: ControlPlaneDeps) {
  const cache = createResourceCache();
  const snapshots = createSnapshotHolder();
  let identities: Identities = compileIdentities([]);
  let generation = 0;
  // Secrets are decrypted at compile time from the cache (the plaintext stays in this process's memory).
  const secretResolver = deps.secretCrypto ? createSecretResolver({ source: cache, decrypt: deps.secretCrypto.decrypt, now: () => deps.clock.now() }) : undefined;
  // McpServers left out of the snapshot (a Secret or the upstream setup failed): logged when the reason changes.
  let mcpProblems: ReadonlyMap<string, string> = new Map();
  const onMcpProblems = (problems: ReadonlyMap<string, string>) => {
    for (const [name, why] of problems) if (mcpProblems.get(name) !== why) deps.logger.error({ mcpServer: name }, `${why} The McpServer is not served until this is fixed.`);
    mcpProblems = problems;
  };
  const compile = createSnapshotCompiler({ providerFor: deps.providerFor, createdAt: Math.floor(deps.clock.now() / 1000), secrets: secretResolver, mcpUpstreamFor: deps.mcpUpstreamFor, onMcpProblems });

  const sync = createSnapshotSync({
    store: deps.store,
    cache,
    pollMs: deps.pollMs,
    now: () => deps.clock.now(),
    onError: (err, failures) => {
      deps.logger.error({ err, failures }, 'cannot read the configuration store; serving the last snapshot (logged again at most once a minute)');
    },
    onFailure: () => {
      if (deps.channels.snapshotError.hasSubscribers) deps.channels.snapshotError.publish({});
    },
    onRecovered: (failures) => deps.logger.info({ failures }, 'the configuration store is reachable again'),
    rebuild: (changed) => {
      const started = performance.now();
      const snapshot = compile(++generation, cache, changed);
      snapshots.swap(snapshot);
      if (deps.channels.snapshotSwap.hasSubscribers) {
        const message: SnapshotSwapMessage = { revision: cache.revision(), compileMs: performance.now() - started, keys: snapshot.keys.size, changedRows: changed.length };
        deps.channels.snapshotSwap.publish(message);
      }
      if (generation === 1 || changed.some((r) => r.kind === 'User')) identities = compileIdentities(cache.all('User'));
      deps.onProvidersCompiled();
    },
  });

  const envPolicy = createEnvPolicy(deps.env.GANTRY_PROVIDER_ENV_ALLOW);
  const mcpStdioPolicy = createMcpStdioPolicy(deps.env.GANTRY_MCP_STDIO_ALLOW);
  const serviceDeps: ServiceDeps = {
    store: deps.store,
    validate: createValidator(),
    clock: deps.clock,
    newId: deps.newId,
    hashSecret: deps.hashSecret,
    generateApiKey,
    generateUserToken: () => `gut_${deps.newId('', 43)}`,
    // After a commit the change is durable: a failed refresh must not fail the request (a new key's
    // secret would be lost); the next poll catches up.
    refresh: () =>
      sync.refresh().catch((err: unknown) => deps.logger.warn({ err }, 'the change is saved, but this process could not reload it yet; it will on the next poll')),
    cached: (kind) => cache.all(kind),
    ssoRoleMap: parseRoleMap(deps.env.GANTRY_OIDC_ROLE_MAP),
    envAllowed: envPolicy.allowed,
    envAllowedText: envPolicy.text,
    mcpStdioAllowed: mcpStdioPolicy.allowed,
    mcpStdioAllowedText: mcpStdioPolicy.text,
    env: deps.env,
    secrets: deps.secretCrypto,
  };
  const apply = createApply(serviceDeps);
  const users = createUserService(serviceDeps, apply);
  const reader = createReader({ ...serviceDeps, spendByAgent: (agents) => deps.ledger.spendByAgent(agents) });
  const cookieKey = Buffer.from(hkdfSync('sha256', deps.keyHashSecret, 'gantry', 'oidc-login-cookie', 32));

  // Grant approval/revocation (admin API) and expiry (main/grant-expiry.ts).
  const grants = createGrantService(serviceDeps);
  const routes: AdminRoute[] = [];
  routes.push(
    openApiRoute(() => routes, deps.version),
    ...createOidcRoutes({
      settings: readOidcSettings(deps.env),
      publicUrl: deps.publicUrl,
      cookieKey,
      now: () => deps.clock.now(),
      issueSession: (identity, meta) => users.issueSession(identity, meta),
    }),
    ...actionRoutes({
      keys: createKeyService(serviceDeps, apply),
      transition: createAgentLifecycle(serviceDeps),
      users,
      store: deps.store,
      auditKey: deps.auditKey,
    }),
    ...grantRoutes({ grants }),
    ...agentRoutes({
      store: deps.store,
      reader,
      inventory: createAgentInventory({ store: deps.store, ledger: deps.ledger, drift: deps.drift, flushUsage: deps.flushUsage, now: () => deps.clock.now() }),
      publicUrl: deps.publicUrl,
    }),
    ...secretRoutes({ secrets: createSecretService(serviceDeps, apply) }),
    ...usageRoutes({ ledger: deps.ledger, flushUsage: deps.flushUsage, now: () => deps.clock.now() }),
    ...driftRoutes({ drift: deps.drift, now: () => deps.clock.now() }),
    ...deploymentRoutes({ snapshot: () => snapshots.current(), health: deps.deploymentHealth ?? (() => []) }),
    ...mcpStatusRoutes({ servers: () => cache.all('McpServer'), status: deps.mcpStatus ?? (() => []), problems: () => mcpProblems }),
    // Generic resource routes last: `/{plural}` would otherwise shadow the specific paths above.
    ...resourceRoutes({ apply, reader, deleteResource: createDelete(serviceDeps) }),
  );
  const router = createAdminRouter({
    routes,
    newId: deps.newId,
    logger: deps.logger,
    authenticate: createAdminAuth({ adminToken: deps.adminToken, hashSecret: deps.hashSecret, identities: () => identities, now: () => deps.clock.now() }),
  });

  return { snapshots, sync, apply, users, router, routes, cache, serviceDeps, grants };
}

export type ControlPlane = ReturnType<typeof createControlPlane>;
