import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of a server, to play network failures: down (refuse and cut), or replies held back. */
export interface TcpProxy {
  readonly port: number;
  /** Cuts every connection and stops listening (the address refuses connections). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Holds the server's replies back (requests still reach it) until release(). */
  holdReplies(): void;
  releaseReplies(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let holding = false;
  const held: (() => void)[] = [];
  let server: Server;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection({ host: targetHost, port: targetPort });
        sockets.add(client);
        upstreams.add(upstream);
        client.on('data', (d) => upstream.write(d));
        upstream.on('data', (d) => {
          if (holding) held.push(() => client.write(d));
          else client.write(d);
        });
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          upstreams.delete(upstream);
        };
        client.on('close', end);
        upstream.on('close', end);
        client.on('error', end);
        upstream.on('error', end);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });

  await listen();
  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of [...sockets, ...upstreams]) s.destroy();
      });
    },
    up: listen,
    holdReplies() {
      holding = true;
    },
    releaseReplies() {
      holding = false;
      for (const f of held.splice(0)) f();
    },
    async close() {
      if (server.listening) await proxy.down();
    },
  };
  return proxy;
}
