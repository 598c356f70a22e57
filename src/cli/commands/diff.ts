import type { Verb } from '../context.js';
import { toJson } from '../output.js';
import { formatDiffEntry, ref } from './apply-response.js';
import { sendApply } from './apply.js';

export const diffVerb: Verb = {
  summary: 'Show what apply would change (a dry run)',
  help: `Usage: gantry diff -f <file|dir> [-f …] [-o json]

Sends the files as a dry-run apply and prints, per resource that would change:
  ~ spec.field: old → new     + spec.added: value     - spec.removed: value

Options:
  -f, --file <path>    file or directory (repeatable; "-" reads standard input)
  -o, --output json    print the server's JSON response only
      --server <url>   Gantry URL        --token <token>  admin or user token
`,
  async run(argv, ctx) {
    const { response, json } = await sendApply(ctx, argv, true);
    if (json) {
      ctx.out(toJson(response));
      return 0;
    }
    const counts = new Map<string, number>();
    for (const r of response.results) {
      counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
      if (r.action === 'unchanged') continue;
      ctx.out(`${ref(r.kind, r.name)} ${r.action === 'created' ? 'would be created' : r.action === 'updated' ? 'would be updated' : r.action}\n`);
      for (const d of r.diff ?? []) ctx.out(`  ${formatDiffEntry(d)}\n`);
    }
    const changed = (counts.get('created') ?? 0) + (counts.get('updated') ?? 0);
    if (changed === 0) ctx.out('no changes\n');
    else ctx.out(`\n${[...counts].map(([action, n]) => `${n} ${action}`).join(', ')} (nothing was changed: this was a dry run)\n`);
    return 0;
  },
};
