import { isIP } from 'node:net';
import type { HttpRequestSpec, HttpResponseInfo } from '@herald/core';
import { Agent, type Dispatcher, errors } from 'undici';
import { basicAuthorization } from '../url-credentials.js';
import { EgressBlockedError, type EgressGuard } from './egress-guard.js';

/** Largest response body kept; the rest is discarded unread (a 100 MB answer costs nothing). */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSENDABLE_URL = /[\s\u0000-\u001f\u007f]/;
/** Marks a request settled without an abort (one shared error: a stack trace per request costs). */
const SETTLED = new Error('settled');

/** Why an attempt got no response. */
export type SendErrorKind = 'timeout' | 'refused' | 'reset' | 'dns' | 'egress_blocked' | 'tls' | 'other';

export type SendResult =
  | { ok: true; response: HttpResponseInfo; durationMs: number; truncated: boolean }
  | { ok: false; error: { kind: SendErrorKind; message: string }; durationMs: number };

export interface HttpSenderOptions {
  guard: EgressGuard;
  timeoutMs: number;
  connections?: number;
}

function classify(err: unknown): { kind: SendErrorKind; message: string } {
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const cause = (e.cause ?? {}) as { code?: string };
  const code = e.code ?? cause.code ?? '';
  if (err instanceof EgressBlockedError || e.cause instanceof EgressBlockedError) {
    return {
      kind: 'egress_blocked',
      message: (err instanceof EgressBlockedError ? err : (e.cause as Error)).message,
    };
  }
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError
  ) {
    return { kind: 'timeout', message: 'timed out' };
  }
  if (code === 'ECONNREFUSED') return { kind: 'refused', message: 'connection refused' };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
    return { kind: 'reset', message: 'connection reset' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', message: 'DNS name did not resolve' };
  if (code.startsWith('ERR_TLS') || code.includes('CERT'))
    return { kind: 'tls', message: `TLS error (${code})` };
  return { kind: 'other', message: code || e.name || 'request failed' };
}

/**
 * Stops an attempt from outside (its partition was fenced) without an `AbortController`
 * per request: `EventTarget` listeners cost on the hot path. One listener at a time.
 */
export class AttemptAbort {
  reason: Error | null = null;
  #listener: ((reason: Error) => void) | null = null;

  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.#listener?.(reason);
  }

  listen(listener: ((reason: Error) => void) | null): void {
    this.#listener = listener;
  }
}

/** Sends rendered requests for every provider: one keep-alive agent, timeouts, capped bodies, no redirects, egress guard. */
export class HttpSender {
  readonly #agent: Agent;
  readonly #guard: EgressGuard;
  readonly #timeoutMs: number;

  constructor(options: HttpSenderOptions) {
    this.#guard = options.guard;
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, options.timeoutMs),
      connect: { lookup: options.guard.lookup as never },
    });
  }

  /**
   * Sends one request; never throws: failures come back as a typed error. A dispatch
   * handler, not `request()`: no response stream, promise or abort signal per request,
   * the body kept in chunks up to the cap.
   */
  send(spec: HttpRequestSpec, abort?: AttemptAbort): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    // The URL parser would drop tabs and line breaks and encode spaces: a provider's URL
    // with one is not sent as something else.
    if (UNSENDABLE_URL.test(spec.url))
      return Promise.resolve({
        ok: false,
        error: { kind: 'other', message: 'the URL contains spaces or control characters' },
        durationMs: 0,
      });
    try {
      url = new URL(spec.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // IP literals skip DNS lookup, so check them here.
      if (isIP(host)) this.#guard.assert(host);
    } catch (err) {
      return Promise.resolve({ ok: false, error: classify(err), durationMs: elapsed() });
    }
    // `https://user:pass@host/`: undici would drop the user info; send it as Basic auth.
    const authorization = url.username || url.password ? basicAuthorization(url) : null;
    const requestHeaders =
      authorization && !Object.keys(spec.headers).some((k) => k.toLowerCase() === 'authorization')
        ? { ...spec.headers, authorization }
        : spec.headers;
    return new Promise<SendResult>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let status = 0;
      let headers: Record<string, string> = {};
      let controller: Dispatcher.DispatchController | null = null;
      // Set once settled; an abort reason waits here for a request not yet on a socket.
      let reason: Error | null = null;
      let unlisten: (() => void) | null = null;
      const settle = (result: SendResult, abortWith?: Error) => {
        if (reason) return;
        reason = abortWith ?? SETTLED;
        clearTimeout(timer);
        unlisten?.();
        resolve(result);
        try {
          if (abortWith) controller?.abort(abortWith);
        } catch {
          // Already over on undici's side: nothing left to stop.
        }
      };
      // `abort`: stop the request too (not when undici reported the error: it is over).
      const fail = (err: Error, abort = true) =>
        settle({ ok: false, error: classify(err), durationMs: elapsed() }, abort ? err : undefined);
      const succeed = (truncated: boolean) =>
        settle(
          {
            ok: true,
            response: { status, headers, body: Buffer.concat(chunks, size).toString('utf8') },
            durationMs: elapsed(),
            truncated,
          },
          // A cut body: the rest is not read (the connection is dropped).
          truncated ? new Error('response body over the cap') : undefined,
        );
      const timer = setTimeout(
        () => fail(new DOMException('the request timed out', 'TimeoutError')),
        this.#timeoutMs,
      );
      // Stopped from outside (its partition was fenced): over at once, the socket dropped.
      if (abort) {
        if (abort.reason) fail(abort.reason);
        else {
          abort.listen(fail);
          unlisten = () => abort.listen(null);
        }
      }
      try {
        this.#agent.dispatch(
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: spec.method as Dispatcher.HttpMethod,
            headers: requestHeaders,
            body: spec.body,
          },
          {
            onRequestStart: (c) => {
              controller = c;
              if (reason) c.abort(reason);
            },
            onResponseStart: (_c, statusCode, responseHeaders) => {
              if (statusCode < 200) return; // 1xx: the answer follows
              status = statusCode;
              headers = {};
              for (const [k, v] of Object.entries(responseHeaders))
                if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            },
            onResponseData: (_c, chunk) => {
              if (reason) return;
              const room = MAX_RESPONSE_BODY_BYTES - size;
              // A read that ends exactly at the cap says nothing of what follows: only a byte
              // past it means the body was cut.
              if (chunk.length > room) {
                chunks.push(chunk.subarray(0, room));
                size += room;
                succeed(true);
                return;
              }
              chunks.push(chunk);
              size += chunk.length;
            },
            onResponseEnd: () => succeed(false),
            onResponseError: (_c, err) => fail(err, false),
          },
        );
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
