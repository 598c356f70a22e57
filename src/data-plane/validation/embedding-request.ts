import type { EmbeddingRequest } from '../../kernel/wire/openai.js';
import { invalid, isRecord, optionalInteger, requiredModel } from './fields.js';

const MAX_INPUTS = 2048;

export function validateEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  requiredModel(body);
  const input = body.input;
  const ok =
    (typeof input === 'string' && input.length > 0) ||
    (Array.isArray(input) &&
      input.length > 0 &&
      input.length <= MAX_INPUTS &&
      input.every((x) => (typeof x === 'string' && x.length > 0) || typeof x === 'number' || Array.isArray(x)));
  if (!ok) throw invalid('input', `is required: a non-empty string or an array of 1-${MAX_INPUTS} non-empty strings`);
  if (body.encoding_format !== undefined && body.encoding_format !== 'float' && body.encoding_format !== 'base64') {
    throw invalid('encoding_format', 'must be "float" or "base64"');
  }
  optionalInteger(body, 'dimensions', 1);
  return body as unknown as EmbeddingRequest;
}
