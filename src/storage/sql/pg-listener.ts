import pg from 'pg';

export interface PgListener {
  /** Connects and LISTENs; resolves once notifications can arrive. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5000;

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to queries and lose it). When the
 * connection drops it reconnects with backoff and then calls `onNotify` once, since commits made while
 * it was away sent notifications nobody received.
 */
export function createPgListener(config: pg.ClientConfig, channel: string, onNotify: () => void): PgListener {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let backoff = 100;

  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    c.end().catch(() => {});
    if (!closed) schedule();
  };

  function schedule(): void {
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        () => {
          backoff = 100;
          onNotify();
        },
        () => {
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          if (!closed) schedule();
        },
      );
    }, backoff);
    // A pending reconnect alone must not keep the process alive.
    timer.unref();
  }

  async function connect(): Promise<void> {
    // TCP keepalive: a connection silently dropped by a NAT or firewall is noticed and re-opened.
    const c = new pg.Client({ ...config, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    // 'error' without a listener would crash the process; a dropped socket is handled by reconnecting.
    c.on('error', () => drop(c));
    c.on('end', () => drop(c));
    c.on('notification', (msg) => {
      if (msg.channel === channel) onNotify();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
  }

  return {
    start: connect,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
