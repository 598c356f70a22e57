/**
 * Incremental Server-Sent Events parser (WHATWG rules): feed it raw bytes as they arrive, get whole
 * events out. Multi-byte UTF-8 characters split across network chunks are decoded correctly
 * (streaming TextDecoder), and CR, LF and CRLF line endings are all accepted.
 */
export interface SseEvent {
  /** The `event:` field, or "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  id: string | undefined;
}

export interface SseParser {
  /** Feeds bytes; returns the events completed by them (possibly none). */
  push(chunk: Uint8Array | string): SseEvent[];
  /** Signals the end of input; returns a last event if one was pending without a blank line. */
  end(): SseEvent[];
}

export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let eventName = '';
  let data: string[] = [];
  let id: string | undefined;
  let sawField = false;

  function dispatch(out: SseEvent[]): void {
    if (sawField && data.length > 0) out.push({ event: eventName || 'message', data: data.join('\n'), id });
    eventName = '';
    data = [];
    sawField = false;
  }

  function processLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    sawField = true;
    if (field === 'data') data.push(value);
    else if (field === 'event') eventName = value;
    else if (field === 'id') id = value;
  }

  function drain(out: SseEvent[], final: boolean): void {
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10 || c === 13) {
        // A trailing CR may be the first half of CRLF: wait for more input unless this is the end.
        if (c === 13 && i === buffer.length - 1 && !final) break;
        processLine(buffer.slice(start, i), out);
        if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
    }
    buffer = buffer.slice(start);
  }

  return {
    push(chunk) {
      buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      const out: SseEvent[] = [];
      drain(out, false);
      return out;
    },
    end() {
      buffer += decoder.decode();
      const out: SseEvent[] = [];
      drain(out, true);
      if (buffer.length > 0) {
        processLine(buffer, out);
        buffer = '';
      }
      dispatch(out);
      return out;
    },
  };
}
