import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledMcpServer, fakeUpstream } from './fixtures/fake-upstream.js';
import { agent, startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

const run = promisify(execFile);
/** The `mcp-inspector-cli` bin (it runs build/index.js for `--cli`). */
const BIN = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/inspector-cli/build/cli.js', import.meta.url));
/**
 * inspector-cli 1.0.3 reads its package.json via `existsSync("../package.json")` against the working
 * directory: it fails unless the working directory's parent holds a package.json (docs/mcp.md).
 */
const CWD = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/inspector-cli/build/', import.meta.url));
const KEY = 'gk_mcp_inspector_key_00000000000000000';

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** The MCP Inspector CLI (headless `--cli` mode) against the gateway, as docs/mcp.md shows it. */
describe('MCP Inspector CLI', () => {
  it('lists and calls the tools of an agent through /mcp', { timeout: 60_000 }, async () => {
    const demo = fakeUpstream('demo', ['echo', 'add', 'delete_everything']);
    gateway = await startTestGateway({
      servers: [compiledMcpServer(demo)],
      agents: [agent('helper-bot', ['demo__echo', 'demo__add'])],
      keys: { [KEY]: { keyId: 'key_i', keyName: 'inspector', team: 'team-a', agent: 'helper-bot' } },
    });
    // --header is variadic: it goes last, or it swallows the URL.
    const headers = ['--header', `Authorization: Bearer ${KEY}`, 'x-gantry-run: inspector-1'];
    const list = await run(process.execPath, [BIN, '--cli', `${gateway.url}/mcp`, '--transport', 'http', '--method', 'tools/list', ...headers], { timeout: 30_000, cwd: CWD });
    const listed = JSON.parse(list.stdout) as { tools: { name: string }[] };
    expect(listed.tools.map((t) => t.name).sort()).toEqual(['demo__add', 'demo__echo']);

    const call = await run(process.execPath, [BIN, '--cli', `${gateway.url}/mcp`, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'demo__echo', '--tool-arg', 'text=hello', ...headers], { timeout: 30_000, cwd: CWD });
    expect(JSON.parse(call.stdout)).toMatchObject({ content: [{ type: 'text', text: 'echo:hello' }] });
    expect(gateway.events).toMatchObject([{ model: 'demo__echo', agent: 'helper-bot', run: 'inspector-1', status: 200 }]);
  });
});
