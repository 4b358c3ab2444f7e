import { HeraldError } from '@herald/core';

/**
 * Start-up could not finish (NATS, the HTTP port, provisioning, provider loading). The
 * message is one line that says what was tried and what to change; the CLI prints it
 * and exits 1.
 */
export class StartupError extends HeraldError {
  constructor(message: string, cause?: unknown) {
    super('startup_failed', message, { cause });
    this.name = 'StartupError';
  }
}

/** A NATS URL (or comma-separated list) as it may be shown: without user, password or token. */
export function shownNatsUrl(url: string): string {
  return url.replace(/\/\/[^@/,]*@/g, '//');
}

/** Why connecting to NATS failed, in words: the client says "connection refused", "timeout", "getaddrinfo ENOTFOUND x". */
function natsProblem(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string };
  const message = e.message?.split('\n')[0] ?? String(err);
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'the host name does not resolve';
  if (e.name === 'TimeoutError' || /^timeout$/i.test(message)) return 'no answer (timed out)';
  if (/authorization|authentication/i.test(message)) return 'NATS refused the credentials';
  return message;
}

/** The error of a failed first connection to NATS, naming the URL that was tried. */
export function natsConnectError(url: string, err: unknown): StartupError {
  return new StartupError(
    `cannot connect to NATS at ${shownNatsUrl(url)}: ${natsProblem(err)} (is nats-server running? set NATS_URL)`,
    err,
  );
}

/** The error of a failed `listen`, naming the address and the variables to change. */
export function listenError(host: string, port: number, err: unknown): StartupError {
  const code = (err as { code?: string }).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const problem =
    code === 'EADDRINUSE'
      ? 'the port is already in use (set HERALD_PORT, or stop what holds it)'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges; set HERALD_PORT)'
        : code === 'EADDRNOTAVAIL'
          ? 'this machine has no such address (set HERALD_HOST)'
          : ((err as Error).message ?? String(err));
  return new StartupError(`cannot listen on ${where}: ${problem}`, err);
}
