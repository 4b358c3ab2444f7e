import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type SinkHandler = (
  req: SinkRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

/** A real HTTP server that records every request and answers as the test says. */
export interface Sink {
  url: string;
  port: number;
  requests: SinkRequest[];
  /** Replaces the answer; by default 200 `ok`. */
  respond(handler: SinkHandler): void;
  /** Resolves when `n` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<SinkRequest[]>;
  close(): Promise<void>;
}

export async function startSink(path = '/hook', host = '127.0.0.1'): Promise<Sink> {
  const requests: SinkRequest[] = [];
  let handler: SinkHandler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
  const waiters: Array<{ n: number; resolve: (r: SinkRequest[]) => void }> = [];
  const server: Server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.headers)) if (typeof v === 'string') headers[k] = v;
      const req: SinkRequest = {
        method: raw.method ?? '',
        path: raw.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      requests.push(req);
      for (const w of [...waiters]) {
        if (requests.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(requests.slice());
        }
      }
      void Promise.resolve(handler(req, res, raw)).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}${path}`,
    port,
    requests,
    respond: (h) => {
      handler = h;
    },
    waitFor: (n, timeoutMs = 15_000) =>
      requests.length >= n
        ? Promise.resolve(requests.slice())
        : new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`sink saw ${requests.length} of ${n} requests in ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              n,
              resolve: (r) => {
                clearTimeout(timer);
                resolve(r);
              },
            });
          }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
