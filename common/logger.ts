import pino from 'pino';

/** Fields that may hold secrets; pino replaces them before a line is written. */
const redactedPaths = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

/** One root logger per process; callers bind their own fields with `child`. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino({ name, level, redact: { paths: redactedPaths, censor: '[redacted]' } });
}

export type Logger = pino.Logger;
