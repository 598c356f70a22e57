import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { resolveKind } from '../resource-kinds.js';
import { ref } from './apply-response.js';

export const deleteVerb: Verb = {
  summary: 'Delete resources by kind and name',
  help: `Usage: gantry delete <kind> <name> [name…]

Deletes each named resource. A resource still referenced (e.g. a Team with API keys) is refused
with GW_RESOURCE_IN_USE: delete or move what references it first.

Options:
      --server <url>   Gantry URL        --token <token>  admin or user token
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: [...CONNECTION_OPTIONS] });
    const [kindArg, ...names] = args.positionals;
    const info = resolveKind(kindArg);
    if (names.length === 0) throw new ArgsError(`missing the name of the ${info.kind} to delete`);
    const client = createAdminClient(ctx, args.options);
    // One at a time, stopping at the first failure, so the output says exactly what was deleted.
    for (const name of names) {
      await client.request<unknown>('DELETE', `/${info.plural}/${encodeURIComponent(name)}`);
      ctx.out(`${ref(info.kind, name)} deleted\n`);
    }
    return 0;
  },
};
