import { pino } from 'pino';
import type { Logger } from '../kernel/logger.js';

/**
 * JSON logs (pino) on stderr. Request payloads, completions and keys are never passed to the logger;
 * the redaction list is a second line of defence for anything secret-shaped that slips into an object.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'gantry' },
      redact: {
        paths: ['authorization', '*.authorization', 'apiKey', '*.apiKey', 'key', '*.key', 'token', '*.token', 'headers', '*.headers'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  ) as unknown as Logger;
}
