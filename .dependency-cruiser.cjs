/** Import boundaries of DESIGN.md §2-4, checked in `npm run lint` (part of `npm test`). */
module.exports = {
  forbidden: [
    {
      name: 'kernel-is-a-leaf',
      comment: 'kernel/ is the leaf every other folder builds on; it imports nothing of Gantry outside itself.',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'providers-import-only-kernel-and-contract',
      comment: 'A provider imports kernel, the provider contract and its own folder only.',
      severity: 'error',
      from: { path: '^src/providers/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/kernel/', '^src/providers/contract\\.ts$', '^src/providers/$1/'] },
    },
    {
      name: 'policy-imports-only-kernel',
      comment: 'The policy decision point (Cedar behind an interface) builds on kernel only; the planes and the CLI import it, never the reverse.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { path: '^src/', pathNot: ['^src/kernel/', '^src/policy/'] },
    },
    {
      name: 'data-plane-not-control-plane',
      comment: 'The data plane reads only the compiled snapshot; it never imports control-plane code.',
      severity: 'error',
      from: { path: '^src/data-plane/' },
      to: { path: '^src/(control-plane|main|cli)/' },
    },
    {
      name: 'data-plane-no-storage-adapters',
      comment: 'The data plane uses storage ports (interfaces), never adapters.',
      severity: 'error',
      from: { path: '^src/data-plane/' },
      to: { path: '^src/storage/', pathNot: '^src/storage/ports/' },
    },
    {
      name: 'data-plane-no-telemetry-sdks',
      comment: 'The data plane publishes on diagnostics channels; metric/trace SDKs live in telemetry subscribers.',
      severity: 'error',
      from: { path: '^src/data-plane/' },
      to: { path: ['^src/telemetry/(prometheus|otel)/', 'node_modules/(prom-client|pino|@opentelemetry)/', 'node_modules/better-sqlite3/'] },
    },
    {
      name: 'storage-below-planes',
      comment: 'Storage adapters know nothing of the planes above them.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(data-plane|control-plane|main|cli|providers)/' },
    },
    {
      name: 'only-main-and-cli-compose',
      comment: 'Nothing imports the composition root or the CLI.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|cli)/' },
      to: { path: '^src/(main|cli)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], conditionNames: ['import', 'node', 'default'] },
  },
};
