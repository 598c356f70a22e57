import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Verb } from '../context.js';
import { toJson } from '../output.js';
import { type SourceDocument, readDocuments, relabelDetails, toMultiDocumentYaml } from '../read-documents.js';
import { type ApplyResponse, ref } from './apply-response.js';

export const FILE_ARGS = {
  flags: ['dry-run'],
  options: ['file', 'output', ...CONNECTION_OPTIONS],
  short: { f: 'file', o: 'output' },
  repeated: ['file'],
} as const;

/** Reads the `-f` inputs and sends them in ONE apply request (all-or-nothing across files). */
export async function sendApply(ctx: CliContext, argv: string[], dryRun: boolean): Promise<{ response: ApplyResponse; json: boolean }> {
  const args = parseArgs(argv, FILE_ARGS);
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}" (files are given with -f)`);
  const files = args.lists.file ?? [];
  if (files.length === 0) throw new ArgsError('missing -f <file|dir> (repeat -f for several)');
  const json = jsonOutput(args.options.output);
  const docs: SourceDocument[] = await readDocuments(ctx, files);
  const client = createAdminClient(ctx, args.options);
  try {
    const response = await client.request<ApplyResponse>('POST', '/apply', {
      query: { dryRun: dryRun || args.flags.has('dry-run') ? 'true' : undefined },
      raw: { contentType: 'application/yaml', text: toMultiDocumentYaml(docs) },
    });
    return { response, json };
  } catch (err) {
    if (err instanceof CliError && err.details.length > 0) {
      throw new CliError(err.message, {
        ...(err.code !== undefined ? { code: err.code } : {}),
        ...(err.status !== undefined ? { status: err.status } : {}),
        details: relabelDetails(err.details, docs),
      });
    }
    throw err;
  }
}

export const applyVerb: Verb = {
  summary: 'Create or update resources from YAML/JSON files (all or nothing)',
  help: `Usage: gantry apply -f <file|dir> [-f …] [--dry-run] [-o json]

Creates or updates every resource in the files in ONE request: if any document is invalid, nothing
is applied and every problem is listed. A directory is read recursively (.yaml, .yml, .json) in
sorted order; "-f -" reads standard input. Generated API key secrets are printed once.

Options:
  -f, --file <path>    file or directory (repeatable)
      --dry-run        validate and show what would change, change nothing
  -o, --output json    print the server's JSON response only
      --server <url>   Gantry URL (default: GANTRY_URL, the logged-in server, http://127.0.0.1:4000)
      --token <token>  admin or user token (default: GANTRY_TOKEN, the stored login)
`,
  async run(argv, ctx) {
    const { response, json } = await sendApply(ctx, argv, false);
    if (json) {
      ctx.out(toJson(response));
      return 0;
    }
    const suffix = response.dryRun ? ' (dry run)' : '';
    for (const r of response.results) ctx.out(`${ref(r.kind, r.name)} ${r.action}${suffix}\n`);
    const secrets = response.secrets ?? [];
    if (secrets.length > 0) {
      ctx.out('\nNew API keys: store them now (a secret manager, your CI secrets). They are shown only once.\n');
      for (const s of secrets) ctx.out(`  ${ref(s.kind, s.name)}: ${s.key}\n`);
    }
    return 0;
  },
};
