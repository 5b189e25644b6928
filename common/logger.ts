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

export interface LoggerOptions {
  level?: string;
  /** A file to append JSON lines to instead of stdout, for entry points that print for people. */
  file?: string;
}

/** One root logger per process; callers bind their own fields with `child`. */
export function createLogger(name: string, options: LoggerOptions = {}): pino.Logger {
  const settings = {
    name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };

  return options.file ? pino(settings, pino.destination({ dest: options.file, mkdir: true, sync: false }))
    : pino(settings);
}

export type Logger = pino.Logger;
