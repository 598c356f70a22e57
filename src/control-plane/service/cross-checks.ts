import { collectPolicies } from '../../policy/cedar-engine.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { Problem } from '../resources/problems.js';
import type { AgentSpec } from '../resources/kinds/agent.js';
import type { ApiKeySpec } from '../resources/kinds/api-key.js';
import type { GrantSpec } from '../resources/kinds/grant.js';
import type { ModelSpec } from '../resources/kinds/model.js';
import type { McpServerSpec } from '../resources/kinds/mcp-server.js';
import type { PolicySpec } from '../resources/kinds/policy.js';
import type { ProviderSpec } from '../resources/kinds/provider.js';
import type { UserSpec } from '../resources/kinds/user.js';
import { KINDS } from '../resources/registry.js';
import type { ValidDoc } from '../resources/validate.js';
import type { ServiceDeps } from './deps.js';

export interface CrossCheckOptions {
  /** The operator's gantry.yaml: trusted like the environment itself. */
  readonly seed: boolean;
  /** The stored version of the document's resource (already read by the caller). */
  readonly existing: StoredResource | undefined;
}

/**
 * Rules that look at other resources or at who applies: an agent key's team owns the agent; a key's
 * user belongs to its team; e-mail addresses are unique (SSO links users by them); a Provider
 * applied through the API reads only allowed environment variables. A Route and a Model never share
 * a name (clients ask for either by it), and a Route picks chat models only.
 */
export function createCrossChecks(deps: ServiceDeps) {
  async function specOf<T>(kind: string, name: string, batch: readonly ValidDoc[]): Promise<T | undefined> {
    const fromBatch = batch.find((d) => d.kind === kind && d.name === name)?.spec;
    return (fromBatch ?? (await deps.store.get(kind, name))?.spec) as T | undefined;
  }

  return async function crossChecks(doc: ValidDoc, batch: readonly ValidDoc[], options: CrossCheckOptions): Promise<Problem[]> {
    const problem = (path: string, message: string): Problem[] => [{ document: doc.where, path, message }];
    switch (doc.kind) {
      case 'ApiKey': {
        const spec = doc.spec as unknown as ApiKeySpec;
        if (spec.agent) {
          const agent = await specOf<AgentSpec>('Agent', spec.agent, batch);
          if (agent && agent.owner !== spec.team) return problem('spec.agent', `Agent "${spec.agent}" is owned by team "${agent.owner}", not "${spec.team}"`);
        }
        if (spec.user) {
          const user = await specOf<UserSpec>('User', spec.user, batch);
          if (user && !(user.teams ?? []).some((m) => m.team === spec.team)) {
            return problem('spec.user', `User "${spec.user}" is not a member of team "${spec.team}"; a key belongs to a user of its team`);
          }
        }
        return [];
      }
      case 'User': {
        const email = (doc.spec as UserSpec).email?.toLowerCase();
        if (!email) return [];
        // Only a new or changed address is checked: an existing duplicate must not block fixing it (e.g. disabling a spoof).
        const before = options.existing?.spec as UserSpec | undefined;
        if (before?.email?.toLowerCase() === email) return [];
        const others = [
          ...batch.filter((d) => d.kind === 'User' && d.name !== doc.name).map((d) => ({ name: d.name, spec: d.spec as UserSpec })),
          ...[...deps.cached('User')].filter((u) => u.name !== doc.name && !batch.some((d) => d.kind === 'User' && d.name === u.name)).map((u) => ({ name: u.name, spec: u.spec as UserSpec })),
        ];
        const clash = others.find((u) => u.spec.email?.toLowerCase() === email);
        return clash ? problem('spec.email', `${email} is already the e-mail of User "${clash.name}"; e-mail addresses are unique (single sign-on matches users by them)`) : [];
      }
      case 'Provider': {
        if (options.seed) return [];
        const spec = doc.spec as unknown as ProviderSpec;
        const refs: [string, string][] = [];
        if (spec.apiKey && 'fromEnv' in spec.apiKey) refs.push(['spec.apiKey.fromEnv', spec.apiKey.fromEnv]);
        if (spec.baseUrl && typeof spec.baseUrl === 'object') refs.push(['spec.baseUrl.fromEnv', spec.baseUrl.fromEnv]);
        return refs
          .filter(([, name]) => !deps.envAllowed(name))
          .map(([path, name]) => ({
            document: doc.where,
            path,
            message: `environment variable ${name} may not be read by a Provider applied through the API (allowed: ${deps.envAllowedText}; the operator sets GANTRY_PROVIDER_ENV_ALLOW, or defines the Provider in gantry.yaml)`,
          }));
      }
      case 'McpServer':
        return mcpServerProblems(doc, options).map(([path, message]) => ({ document: doc.where, path, message }));
      case 'Model': {
        const route = await specOf('Route', doc.name, batch);
        if (route) return problem('metadata.name', `Route "${doc.name}" has this name; a Model and a Route cannot share a name (clients ask for either by it)`);
        return modelRoutingProblems(doc, batch);
      }
      case 'Policy': {
        // Policy ids are unique across all Policies (denials and would-deny events name them).
        const others = [
          ...batch.filter((d) => d.kind === 'Policy' && d.name !== doc.name).map((d) => ({ name: d.name, spec: d.spec as unknown as PolicySpec })),
          ...[...deps.cached('Policy')].filter((r) => r.name !== doc.name && !batch.some((d) => d.kind === 'Policy' && d.name === r.name)).map((r) => ({ name: r.name, spec: r.spec as PolicySpec })),
        ];
        const sources = [...others, { name: doc.name, spec: doc.spec as unknown as PolicySpec }].map((r) => ({ name: r.name, text: r.spec.policy, mode: 'enforce' as const }));
        return collectPolicies(sources)
          .problems.filter((p) => p.resource === doc.name)
          .map((p) => ({ document: doc.where, path: 'spec.policy', message: p.message }));
      }
      case 'Route': {
        if (await specOf('Model', doc.name, batch)) {
          return problem('metadata.name', `Model "${doc.name}" has this name; a Route and a Model cannot share a name (clients ask for either by it)`);
        }
        const out: Problem[] = [];
        for (const ref of KINDS.Route.references(doc.spec)) {
          const target = await specOf<ModelSpec>('Model', ref.name, batch);
          if (target && (target.type ?? 'chat') !== 'chat') out.push(...problem(ref.path, `Model "${ref.name}" is an embedding model; a Route picks chat models`));
        }
        return out;
      }
      case 'Grant':
        return (await grantPrincipalProblems(doc.spec as unknown as GrantSpec, batch)).map(([path, message]) => ({ document: doc.where, path, message }));
      default:
        return [];
    }
  };

  /**
   * The agent, user or key a Grant narrows to belongs to principal.team: a team admin requests grants
   * for their own team only, and an approver must not be shown one that names another team's agent.
   */
  async function grantPrincipalProblems(spec: GrantSpec, batch: readonly ValidDoc[]): Promise<[string, string][]> {
    const { team, agent, user, apiKey } = spec.principal;
    if (agent) {
      const owner = (await specOf<AgentSpec>('Agent', agent, batch))?.owner;
      if (owner !== undefined && owner !== team) return [['spec.principal.agent', `Agent "${agent}" is owned by team "${owner}", not "${team}"`]];
    }
    if (user) {
      const u = await specOf<UserSpec>('User', user, batch);
      if (u && !(u.teams ?? []).some((m) => m.team === team)) return [['spec.principal.user', `User "${user}" is not a member of team "${team}"`]];
    }
    if (apiKey) {
      const keyTeam = (await specOf<ApiKeySpec>('ApiKey', apiKey, batch))?.team;
      if (keyTeam !== undefined && keyTeam !== team) return [['spec.principal.apiKey', `ApiKey "${apiKey}" belongs to team "${keyTeam}", not "${team}"`]];
    }
    return [];
  }

  /**
   * An McpServer is either a URL (with auth) or a command (with args, env, cwd). A stdio server
   * applied through the API runs a program on the Gantry host: only one GANTRY_MCP_STDIO_ALLOW
   * lists, unless the process definition (command, args, cwd, env) is the stored one unchanged.
   */
  function mcpServerProblems(doc: ValidDoc, options: CrossCheckOptions): [string, string][] {
    const spec = doc.spec as unknown as McpServerSpec;
    const out: [string, string][] = [];
    if ((spec.url === undefined) === (spec.command === undefined)) out.push(['spec', 'set exactly one of url (a Streamable HTTP server) and command (a stdio server Gantry starts)']);
    if (spec.url !== undefined) {
      for (const field of ['args', 'env', 'cwd'] as const) if (spec[field] !== undefined) out.push([`spec.${field}`, `applies to a stdio server (command); this McpServer has a url`]);
    }
    if (spec.command !== undefined) {
      for (const field of ['auth', 'headers'] as const) if (spec[field] !== undefined) out.push([`spec.${field}`, `applies to an HTTP server (url); a stdio server gets credentials through env (values may be secretRefs)`]);
      const before = options.existing?.spec as McpServerSpec | undefined;
      const process = (s: McpServerSpec | undefined) => JSON.stringify([s?.command, s?.args ?? [], s?.cwd, s?.env ?? {}]);
      const unchanged = before !== undefined && process(before) === process(spec);
      if (!options.seed && !unchanged && !(deps.mcpStdioAllowed?.(spec.command) ?? false)) {
        out.push([
          'spec.command',
          `"${spec.command}" may not be started by an McpServer applied through the API (allowed: ${deps.mcpStdioAllowedText ?? 'none'}; the operator lists commands in GANTRY_MCP_STDIO_ALLOW, or defines the McpServer in gantry.yaml)`,
        ]);
      }
    }
    return out;
  }

  /**
   * What routing reads from other Models, checked here because at request time it is skipped
   * silently: a fallback of another type (or the model itself), a semantic cache's embedding model
   * that is not one, and a Route's target turned into an embedding model (the Route is left out).
   */
  async function modelRoutingProblems(doc: ValidDoc, batch: readonly ValidDoc[]): Promise<Problem[]> {
    const spec = doc.spec as unknown as ModelSpec;
    const type = spec.type ?? 'chat';
    const out: Problem[] = [];
    const p = (path: string, message: string) => out.push({ document: doc.where, path, message });
    for (const [i, name] of (spec.routing?.fallbacks ?? []).entries()) {
      if (name === doc.name) {
        p(`spec.routing.fallbacks[${i}]`, 'is this model itself; fallbacks are other models tried once every deployment of this one failed');
        continue;
      }
      const target = await specOf<ModelSpec>('Model', name, batch);
      const targetType = target?.type ?? 'chat';
      if (target && targetType !== type) p(`spec.routing.fallbacks[${i}]`, `Model "${name}" is ${article(targetType)} model; a ${type} model falls back to ${type} models only`);
    }
    const embedding = spec.cache?.semantic?.embeddingModel;
    if (embedding !== undefined) {
      const target = await specOf<ModelSpec>('Model', embedding, batch);
      if (target && (target.type ?? 'chat') !== 'embedding') p('spec.cache.semantic.embeddingModel', `Model "${embedding}" is not an embedding model (set one with type: embedding)`);
    }
    if (type !== 'chat') {
      const routes = [
        ...batch.filter((d) => d.kind === 'Route').map((d) => ({ name: d.name, spec: d.spec as unknown })),
        ...[...deps.cached('Route')].filter((r) => !batch.some((d) => d.kind === 'Route' && d.name === r.name)),
      ];
      const picking = routes.filter((r) => KINDS.Route.references(r.spec).some((ref) => ref.name === doc.name)).map((r) => `Route "${r.name}"`);
      if (picking.length > 0) p('spec.type', `${picking.join(', ')} picks this model; a Route picks chat models only (change the Route first)`);
    }
    return out;
  }
}

const article = (type: string) => (type === 'embedding' ? 'an embedding' : `a ${type}`);
