import type { ChatCompletionChunk } from '../../kernel/wire/openai.js';

/**
 * A stream whose first chunk has arrived. Until then nothing was sent to the client (it gets the
 * response headers after), so a stream that fails before it can still fail over; after it, it cannot.
 */
export interface PendingStream {
  /** The first chunk says the provider's content filter refused to answer. */
  readonly filtered: boolean;
  /** The chunks, the buffered ones first; `onEnd` runs once when the stream ends, fails or is left. */
  chunks(onEnd: () => void): AsyncIterable<ChatCompletionChunk>;
  /** Stops a stream that will not be served. */
  close(): void;
}

/**
 * Leading chunks that carry nothing (OpenAI sends `{role: "assistant", content: ""}` at once, before
 * the model produced anything) are read ahead too, up to this many: a failure right after them
 * still fails over.
 */
const MAX_EMPTY_LEAD = 8;

/**
 * Something the client would see now: text, a tool call, a refusal or a finish reason. A usage-only
 * chunk is not (the chat server holds it back until the end; the Anthropic provider sends one at
 * message_start, before the upstream produced anything).
 */
function carries(chunk: ChatCompletionChunk): boolean {
  if (chunk.choices.length === 0) return false;
  for (const choice of chunk.choices) {
    if (choice.finish_reason != null) return true;
    const delta = choice.delta as Record<string, unknown>;
    for (const key in delta) {
      if (key === 'role') continue;
      const value = delta[key];
      if (value != null && value !== '') return true;
    }
  }
  return false;
}

function isFiltered(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.length > 0 && chunk.choices.every((c) => c.finish_reason === 'content_filter');
}

/** Reads a provider stream up to its first chunk that carries something; throws what the stream throws before it. */
export async function openFirstChunk(stream: AsyncIterable<ChatCompletionChunk>): Promise<PendingStream> {
  const it = stream[Symbol.asyncIterator]();
  const buffered: ChatCompletionChunk[] = [];
  let done = false;
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) {
        done = true;
        break;
      }
      buffered.push(next.value);
      if (carries(next.value) || buffered.length >= MAX_EMPTY_LEAD) break;
    }
  } catch (err) {
    void closeQuietly(it);
    throw err;
  }
  const last = buffered.at(-1);
  return {
    filtered: last !== undefined && isFiltered(last),
    chunks: (onEnd) => rest(buffered, it, done, onEnd),
    close: () => void closeQuietly(it),
  };
}

async function* rest(
  buffered: readonly ChatCompletionChunk[],
  it: AsyncIterator<ChatCompletionChunk>,
  ended: boolean,
  onEnd: () => void,
): AsyncGenerator<ChatCompletionChunk> {
  let finished = ended;
  try {
    yield* buffered;
    while (!finished) {
      const next = await it.next();
      if (next.done) finished = true;
      else yield next.value;
    }
  } catch (err) {
    finished = true; // the provider's iterator ended by throwing
    throw err;
  } finally {
    // The consumer stopped early (client left, or a break): stop the upstream call too.
    if (!finished) await closeQuietly(it);
    onEnd();
  }
}

async function closeQuietly(it: AsyncIterator<ChatCompletionChunk>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // closing a failed stream may fail too; the connection is gone either way
  }
}
