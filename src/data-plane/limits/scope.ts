import type { Attribution, Principal } from '../../kernel/types.js';
import type { ScopeMatch } from '../snapshot.js';

/** What a request is, as Budgets and RateLimits see it. */
export interface RequestFacts {
  readonly team: string;
  readonly agent: string | undefined;
  readonly apiKey: string;
  readonly user: string | undefined;
  readonly workflow: string | undefined;
  readonly run: string | undefined;
  readonly model: string;
  readonly tags: Readonly<Record<string, string>>;
}

export function requestFacts(principal: Principal, attribution: Attribution | undefined, model: string): RequestFacts {
  return {
    team: principal.team,
    agent: attribution?.agent,
    apiKey: principal.keyName,
    user: principal.user,
    workflow: attribution?.workflow,
    run: attribution?.run,
    model,
    tags: attribution?.tags ?? {},
  };
}

/** Every field the scope names must match (AND); an empty scope matches all traffic. */
export function scopeMatches(scope: ScopeMatch, f: RequestFacts): boolean {
  if (scope.team !== undefined && scope.team !== f.team) return false;
  if (scope.agent !== undefined && scope.agent !== f.agent) return false;
  if (scope.apiKey !== undefined && scope.apiKey !== f.apiKey) return false;
  if (scope.user !== undefined && scope.user !== f.user) return false;
  if (scope.workflow !== undefined && scope.workflow !== f.workflow) return false;
  if (scope.model !== undefined && scope.model !== f.model) return false;
  if (scope.tags !== undefined) {
    for (const k in scope.tags) if (f.tags[k] !== scope.tags[k]) return false;
  }
  return true;
}
