// Micro-benchmark of the policy decision point: decide() µs for a typical invoke_model request
// (5 enforce policies, with and without dry-run policies). `npm run build` first; numbers are reported, never asserted.
import { compilePolicyEngine } from '../dist/policy/index.js';

const base = [
  { name: 'approved-models', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"research", action == Gantry::Action::"invoke_model", resource) unless { ["sim-small", "sim-medium"].contains(resource.name) };' },
  { name: 'restricted-self-hosted', mode: 'enforce', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.dataClass == "restricted" && !resource.selfHosted };' },
  { name: 'budget', mode: 'enforce', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.budgetMicros > 0 && context.projectedSpendMicros > context.budgetMicros };' },
  { name: 'working-hours', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"contractors", action == Gantry::Action::"invoke_model", resource) when { context.hour < 8 || context.hour >= 18 || context.weekday > 5 };' },
  { name: 'no-large', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");' },
];
const dry = [{ name: 'watch-tools', mode: 'dry-run', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.tools && context.toolNames.contains("shell") };' }];
const request = {
  principal: { type: 'ApiKey', id: 'ci-key', team: 'platform' },
  action: 'invoke_model',
  resource: { type: 'Model', id: 'sim-large', attrs: { provider: 'sim', providerType: 'simulator', selfHosted: true, labels: { tier: 'gold' } } },
  context: { dataClass: 'internal', projectedSpendMicros: 1_234_567, budgetMicros: 50_000_000, hour: 12, weekday: 3, tags: { project: 'atlas' }, tools: true, toolNames: ['search'], promptTokens: 900, stream: false },
};

for (const [label, sources] of [['5 enforce', base], ['5 enforce + 1 dry-run', [...base, ...dry]]]) {
  const engine = compilePolicyEngine(sources);
  for (let i = 0; i < 2_000; i++) engine.decide(request);
  const n = 20_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) engine.decide(request);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  console.log(`${label}: ${us.toFixed(1)} µs per decide()`);
}
