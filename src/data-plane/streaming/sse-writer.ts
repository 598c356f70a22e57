import type { ServerResponse } from 'node:http';

/**
 * Writes SSE frames with backpressure: when the socket buffer is full, waits for 'drain' (or the
 * client going away) instead of buffering an unbounded stream in memory.
 */
export function createSseWriter(res: ServerResponse) {
  function waitForDrain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  return {
    /** Writes one frame; resolves when it is fine to write more. */
    write(frame: string): Promise<void> | undefined {
      if (res.destroyed || res.writableEnded) return undefined;
      return res.write(frame) ? undefined : waitForDrain();
    },
    data(json: string): Promise<void> | undefined {
      return this.write(`data: ${json}\n\n`);
    },
    end(frame?: string): void {
      if (res.destroyed || res.writableEnded) return;
      if (frame) res.end(frame);
      else res.end();
    },
  };
}

export type SseWriter = ReturnType<typeof createSseWriter>;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
