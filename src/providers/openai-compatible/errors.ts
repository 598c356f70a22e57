/** The upstream's own error message from an OpenAI-style error body (or the raw text, shortened). */
export function upstreamMessage(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const body = JSON.parse(trimmed) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const e = body.error;
    const message = typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : typeof body.message === 'string' ? body.message : typeof body.detail === 'string' ? body.detail : undefined;
    if (message) return message.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return trimmed.slice(0, 300);
}
