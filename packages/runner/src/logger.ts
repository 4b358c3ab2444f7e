import pino, { type Logger } from 'pino';

/** Paths pino blanks in every log line, wherever a secret could sit. */
export const REDACT_PATHS = [
  'config.url',
  'config.secret',
  'config.signingSecrets',
  'config.signingKeys',
  '*.config.url',
  '*.config.secret',
  '*.config.signingSecrets',
  '*.config.signingKeys',
  'req.headers.authorization',
  'headers.authorization',
  'secret',
  'apiKey',
  'key',
  // A portal link's token (never in a URL the server sees: it travels in the fragment), and its signing secret.
  'token',
  '*.token',
  'portalSecret',
];

/** The service's logger: JSON lines, pretty when stdout is a terminal, secrets redacted. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'herald' },
  };
  if (destination) return pino(options, destination as pino.DestinationStream);
  if (process.stdout.isTTY)
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}
