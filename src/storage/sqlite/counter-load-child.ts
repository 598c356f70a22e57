/**
 * A child process of the SQLite invariant test (src/storage/sqlite/counter-store.test.ts): opens the
 * shared counters file as its own process, runs its share of the load and prints the result as JSON.
 * Usage: node counter-load-child.js <counters.db> <owner> <CounterLoadOptions & {barrier} as JSON>
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CounterLoadOptions, runCounterLoad } from '../contract/counter-load.js';
import { openSqliteCounterStore } from './counter-store.js';

const [path, owner, json] = process.argv.slice(2);
if (!path || !owner || !json) throw new Error('usage: counter-load-child <counters.db> <owner> <options JSON>');
const options = JSON.parse(json) as CounterLoadOptions & { readonly barrier: string };
const store = openSqliteCounterStore(path, { owner });
await store.heartbeat(Date.now(), 60_000);
// Start together with the other processes (however slow each was to start), so their transactions
// really interleave: say ready, then wait for the parent's go.
writeFileSync(join(options.barrier, `ready-${owner}`), '');
const deadline = Date.now() + 60_000;
while (!existsSync(join(options.barrier, 'go')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
const result = await runCounterLoad([store], options);
await store.close();
process.stdout.write(JSON.stringify(result));
