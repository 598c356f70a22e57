// The floor: the least an HTTP proxy in Node can do per request on this machine (read the body,
// parse it, forward it with undici, parse the answer, write it back). No auth, metering or metrics.
// Gantry's overhead over *this* is what its governance costs; over "direct" is what any Node proxy costs.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.env.BARE_UPSTREAM);
const pool = new Pool(upstream.origin, { connections: 256 });
const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const r = await pool.request({ path: `${upstream.pathname}/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = JSON.stringify(await r.body.json());
  res.writeHead(r.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
