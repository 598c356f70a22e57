/**
 * The upstream's own message from an Anthropic error body
 * (`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`), with its type,
 * or the raw text shortened when the body is not Anthropic's (a proxy page, say).
 */
export function upstreamMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const body = JSON.parse(trimmed) as { error?: { type?: unknown; message?: unknown } | string; message?: unknown };
    const e = body.error;
    if (typeof e === 'string') return e.slice(0, 500);
    if (typeof e?.message === 'string') return (typeof e.type === 'string' ? `${e.type}: ${e.message}` : e.message).slice(0, 500);
    if (typeof body.message === 'string') return body.message.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return trimmed.slice(0, 300);
}
