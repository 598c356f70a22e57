// Micro-benchmark of the policy decision point: decide() µs for a typical invoke_model request
// (5 enforce policies, with and without dry-run policies), and for many team-scoped policies, where
// per-team partitioning (the default) is compared with evaluating the full set for every request.
// `npm run build` first; numbers are reported, never asserted.
import v8 from 'node:v8';
import { compilePolicyEngine } from '../dist/policy/index.js';

// As bin/gantry.js does for the gateway (see the comment there); set before the loops get optimized.
v8.setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const base = [
  { name: 'approved-models', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"research", action == Gantry::Action::"invoke_model", resource) unless { ["sim-small", "sim-medium"].contains(resource.name) };' },
  { name: 'restricted-self-hosted', mode: 'enforce', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.dataClass == "restricted" && !resource.selfHosted };' },
  { name: 'budget', mode: 'enforce', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.budgetMicros > 0 && context.projectedSpendMicros > context.budgetMicros };' },
  { name: 'working-hours', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"contractors", action == Gantry::Action::"invoke_model", resource) when { context.hour < 8 || context.hour >= 18 || context.weekday > 5 };' },
  { name: 'no-large', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");' },
];
const dry = [{ name: 'watch-tools', mode: 'dry-run', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.tools && context.toolNames.contains("shell") };' }];

// 100 team-scoped policies over 50 teams (an allow-list and a dry-run watch each) plus 5 global ones.
const teams = Array.from({ length: 50 }, (_, i) => `team-${i}`);
const perTeam = teams.flatMap((t) => [
  { name: `${t}-models`, mode: 'enforce', text: `forbid(principal in Gantry::Team::"${t}", action == Gantry::Action::"invoke_model", resource) unless { ["sim-small", "sim-large"].contains(resource.name) };` },
  { name: `${t}-agents`, mode: 'dry-run', text: `forbid(principal is Gantry::Agent in Gantry::Team::"${t}", action, resource) when { context.promptTokens > 100000 };` },
]);
const global5 = [
  base[1],
  base[2],
  dry[0],
  { name: 'no-secret-data', mode: 'enforce', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.dataClass == "restricted" && context.tags.contains("secret=true") };' },
  { name: 'weekend-watch', mode: 'dry-run', text: 'forbid(principal, action, resource) when { context.weekday > 5 };' },
];
const many = [...perTeam, ...global5];

const request = (team) => ({
  principal: { type: 'ApiKey', id: 'ci-key', team },
  action: 'invoke_model',
  resource: { type: 'Model', id: 'sim-large', attrs: { provider: 'sim', providerType: 'simulator', selfHosted: true, labels: { tier: 'gold' } } },
  context: { dataClass: 'internal', projectedSpendMicros: 1_234_567, budgetMicros: 50_000_000, hour: 12, weekday: 3, tags: { project: 'atlas' }, tools: true, toolNames: ['search'], promptTokens: 900, stream: false },
});

const cases = [
  ['5 enforce', base, 'platform'],
  ['5 enforce + 1 dry-run', [...base, ...dry], 'platform'],
  ['100 team-scoped over 50 teams + 5 global, team with policies', many, 'team-7'],
  ['100 team-scoped over 50 teams + 5 global, team without', many, 'platform'],
];
for (const [label, sources, team] of cases) {
  for (const partitionByTeam of [true, false]) {
    const engine = compilePolicyEngine(sources, { partitionByTeam });
    const r = request(team);
    for (let i = 0; i < 2_000; i++) engine.decide(r);
    const n = 20_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) engine.decide(r);
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
    const set = engine.policiesFor(team).length;
    console.log(`${label} [${partitionByTeam ? 'per-team sets' : 'full set'}, ${set} of ${engine.size} evaluated]: ${us.toFixed(1)} µs per decide()`);
  }
}
