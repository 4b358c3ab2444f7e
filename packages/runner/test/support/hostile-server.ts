import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { freePort } from '@herald/core/testing';

/** `Retry-After` of ten years, in seconds: a destination that asks Herald to wait forever. */
export const TEN_YEARS_S = 10 * 365 * 24 * 3_600;
/** Size of the enormous answer: a destination that tries to fill Herald's memory. */
export const HUGE_BODY_BYTES = 100 * 1024 * 1024;
const HUGE_CHUNK_BYTES = 64 * 1024;
/** The runner keeps this much of a response body (http-sender's MAX_RESPONSE_BODY_BYTES). */
const CAP_BYTES = 64 * 1024;
/** Pause between bytes of a body that never ends: short enough to defeat an idle timeout. */
const TRICKLE_EVERY_MS = 200;

/**
 * The misbehaviours a destination can show. Each is served under `/<behaviour>/…`:
 * - `ok`: 200 at once;
 * - `error-500`: 500 every time;
 * - `rate-limited`: 429 without `Retry-After` on a delivery's first request, then 200;
 * - `rate-limited-1s`: 429 with `Retry-After: 1` on the first request, then 200;
 * - `rate-limited-10y`: 429 with a `Retry-After` of ten years, every time;
 * - `unavailable-10y`: 503 with a `Retry-After` of ten years, every time;
 * - `slow-headers`: accepts the request and never answers;
 * - `endless-body`: 200 and headers, then one byte every 200 ms, forever;
 * - `huge-body`: 200 with a 100 MB body, written as fast as the client reads;
 * - `reset`: 200 and half a body, then a TCP reset;
 * - `redirect`: 302 to `redirectTo` (another host);
 * - `gone`: 410 Gone;
 * - `cap-then-more`: exactly 64 KiB (the sender's cap), a pause, then a few bytes more;
 * - `cap-exactly`: exactly 64 KiB and the end.
 */
export type Behaviour =
  | 'ok'
  | 'error-500'
  | 'rate-limited'
  | 'rate-limited-1s'
  | 'rate-limited-10y'
  | 'unavailable-10y'
  | 'slow-headers'
  | 'endless-body'
  | 'huge-body'
  | 'reset'
  | 'redirect'
  | 'gone'
  | 'cap-then-more'
  | 'cap-exactly';

/** One request as the hostile server saw it, and what it managed to send back. */
export interface HostileHit {
  behaviour: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  /** Body bytes the server wrote before the client went away or the answer ended. */
  bytesWritten: number;
  /** True when the client closed the connection before the whole answer was written. */
  clientClosedEarly: boolean;
}

export interface HostileServer {
  host: string;
  port: number;
  /** The URL that shows `behaviour` (a suffix keeps integrations apart). */
  url(behaviour: Behaviour, suffix?: string): string;
  /** Every request, in arrival order. */
  readonly hits: HostileHit[];
  hitsOf(behaviour: Behaviour): HostileHit[];
  close(): Promise<void>;
}

export interface HostileServerOptions {
  /** Address to listen on; a loopback address other than 127.0.0.1 lets a test allow only it. */
  host?: string;
  /** Where `redirect` points. */
  redirectTo?: string;
}

/** Starts a real HTTP server that answers as badly as each behaviour says. */
export async function startHostileServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const host = options.host ?? '127.0.0.1';
  const hits: HostileHit[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  // Deliveries (by webhook-id, else path) that have been rate-limited once already.
  const limited = new Set<string>();

  const handle = (req: IncomingMessage, res: ServerResponse, hit: HostileHit): void => {
    const once = (key: string) => {
      const first = !limited.has(key);
      limited.add(key);
      return first;
    };
    const deliveryKey = `${hit.behaviour}|${hit.headers['webhook-id'] ?? hit.path}`;
    res.on('close', () => {
      hit.clientClosedEarly = !res.writableFinished;
    });
    switch (hit.behaviour as Behaviour) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      case 'error-500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      case 'rate-limited':
        if (once(deliveryKey)) res.writeHead(429).end('slow down');
        else res.writeHead(200).end('ok');
        return;
      case 'rate-limited-1s':
        if (once(deliveryKey)) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
        else res.writeHead(200).end('ok');
        return;
      case 'rate-limited-10y':
        res.writeHead(429, { 'retry-after': String(TEN_YEARS_S) }).end('come back in ten years');
        return;
      case 'unavailable-10y':
        res.writeHead(503, { 'retry-after': String(TEN_YEARS_S) }).end('down for a decade');
        return;
      case 'slow-headers':
        // Never answers; close() tears the socket down.
        return;
      case 'endless-body': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => {
          if (res.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
            return;
          }
          res.write('.');
          hit.bytesWritten++;
        }, TRICKLE_EVERY_MS);
        timers.add(timer);
        return;
      }
      case 'huge-body': {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(HUGE_BODY_BYTES) });
        const chunk = Buffer.alloc(HUGE_CHUNK_BYTES, 'x');
        // Writes only as fast as the client reads (backpressure), like a real server would.
        const pump = () => {
          while (!res.destroyed && hit.bytesWritten < HUGE_BODY_BYTES) {
            hit.bytesWritten += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case 'reset':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        res.write('x'.repeat(500), () => {
          hit.bytesWritten = 500;
          req.socket.resetAndDestroy();
        });
        return;
      case 'redirect':
        res.writeHead(302, { location: options.redirectTo ?? 'http://example.com/' }).end();
        return;
      case 'gone':
        res.writeHead(410, { 'content-type': 'text/plain' }).end('gone');
        return;
      case 'cap-then-more': {
        // Chunked, so the client cannot tell the length from a header: the first read
        // ends exactly at the cap and the rest comes later.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(Buffer.alloc(CAP_BYTES, 'a'));
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) res.end('tail');
        }, 300);
        timers.add(timer);
        hit.bytesWritten = CAP_BYTES + 4;
        return;
      }
      case 'cap-exactly':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(CAP_BYTES, 'a'));
        hit.bytesWritten = CAP_BYTES;
        return;
      default:
        res.writeHead(404).end('no such behaviour');
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const path = req.url ?? '/';
      const hit: HostileHit = {
        behaviour: path.split('/')[1] ?? '',
        path,
        headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
        bytesWritten: 0,
        clientClosedEarly: false,
      };
      hits.push(hit);
      handle(req, res, hit);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // The server itself must never time a hostile answer out.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    host,
    port,
    url: (behaviour, suffix = '') => `${base}/${behaviour}/${suffix}`,
    hits,
    hitsOf: (behaviour) => hits.filter((h) => h.behaviour === behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens: connecting is refused. */
export async function refusedUrl(host = '127.0.0.1'): Promise<string> {
  return `http://${host}:${await freePort()}/refused`;
}
