import pino, { type Logger } from 'pino';

/**
 * The one pino setup: structured JSON lines. Secrets and personal data are redacted wherever a
 * caller might pass them by mistake; the code logs masked values on purpose.
 */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.secret',
        '*.apiToken',
        '*.notifySecret',
        '*.accountNumber',
        '*.accountName',
        '*.payer',
        '*.sign',
        'secret',
        'accountNumber',
        'accountName',
        'payer',
      ],
      censor: '[redacted]',
    },
  });
}
