#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, which `npm start` runs first).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('gantry: dist/ is missing. Run `npm run build` (or `npm start`, which builds first).');
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
