/**
 * Starts a streaming request, reads until `pattern` has been seen `count` times (or the stream
 * ended), then disconnects like a client that goes away: the way the tests prove that an abort
 * reaches the upstream and is metered for what was delivered.
 */
export async function readThenDisconnect(options: {
  url: string;
  headers: Record<string, string>;
  body: object;
  pattern: RegExp;
  count: number;
}): Promise<{ requestId: string; status: number }> {
  const controller = new AbortController();
  const res = await fetch(options.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const global = new RegExp(options.pattern.source, 'g');
  let text = '';
  while ((text.match(global) ?? []).length < options.count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return { requestId: res.headers.get('x-gantry-request-id') ?? '', status: res.status };
}
