#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm start` runs first).
import v8 from 'node:v8';

// Node 20's V8 crashed (fatal "unreachable code" in Deoptimizer::DoComputeBuiltinContinuation) in
// about 1 run of 10 of bench/policy-decide.mjs when TurboFan inlined JS-to-WebAssembly calls into the
// Cedar engine's glue; with the inlining off, 0 crashes in 40 runs and the same speed. Set before any
// code is optimized (docs/performance.md).
v8.setFlagsFromString('--no-turbo-inline-js-wasm-calls');
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('gantry: dist/ is missing. Run `npm run build` (or `npm start`, which builds first).');
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
