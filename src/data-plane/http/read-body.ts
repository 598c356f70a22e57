import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../kernel/errors/index.js';
import { locateJsonError } from '../../kernel/json-error.js';

/**
 * Reads the request body up to `limit` bytes; refuses larger bodies early from content-length.
 * `tooLargeMessage` replaces the default advice (the admin API's limit is not GANTRY_MAX_BODY_BYTES).
 */
export function readBody(req: IncomingMessage, limit: number, tooLargeMessage?: string): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit, tooLargeMessage));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit, tooLargeMessage));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new GatewayError('GW_REQUEST_INVALID', 'The request body could not be read completely.', { cause: err }));
    };
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(limit: number, message: string | undefined): GatewayError {
  return new GatewayError('GW_REQUEST_TOO_LARGE', message ?? `The request body is larger than ${limit} bytes. Send less data, or raise GANTRY_MAX_BODY_BYTES.`);
}

/** Parses JSON and, on failure, says where: "at line 3, column 5: expected a value but found '}'". */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim().length === 0) throw new GatewayError('GW_REQUEST_MALFORMED_JSON', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = locateJsonError(text);
    const detail = at ? `at line ${at.line}, column ${at.column}: ${at.problem}` : err instanceof Error ? err.message : String(err);
    throw new GatewayError('GW_REQUEST_MALFORMED_JSON', `The request body is not valid JSON ${detail}.`);
  }
}
