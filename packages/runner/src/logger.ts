import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * The service's logger: JSON lines, pretty when stdout is a terminal, secrets redacted.
 * On a terminal the pretty lines are written in this thread, synchronously: through a
 * worker (a pino transport) they arrive after whatever the process writes next, and
 * `herald dev`'s banner would be buried under the start-up lines it should follow.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'herald' },
  };
  if (destination) return pino(options, destination as pino.DestinationStream);
  if (process.stdout.isTTY)
    return pino(options, pretty({ colorize: true, sync: true, ignore: 'pid,hostname,service' }));
  return pino(options);
}
