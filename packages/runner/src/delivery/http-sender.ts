import { isIP } from 'node:net';
import type { HttpRequestSpec, HttpResponseInfo } from '@herald/core';
import { Agent, errors, request } from 'undici';
import { EgressBlockedError, type EgressGuard } from './egress-guard.js';

/** Largest response body kept; the rest is discarded unread (a 100 MB answer costs nothing). */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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

  /** Sends one request; never throws: failures come back as a typed error. */
  async send(spec: HttpRequestSpec, signal?: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = new URL(spec.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // IP literals skip DNS lookup, so check them here.
      if (isIP(host)) this.#guard.assert(host);
      // A cleared timer, not AbortSignal.timeout: that one lives (and is kept alive for the
      // GC) for the whole timeout after every request, thousands at a time under load.
      const deadline = new AbortController();
      timer = setTimeout(
        () => deadline.abort(new DOMException('the request timed out', 'TimeoutError')),
        this.#timeoutMs,
      );
      const timeout = deadline.signal;
      const res = await request(url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        dispatcher: this.#agent,
        maxRedirections: 0,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      } as Parameters<typeof request>[1]);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        const room = MAX_RESPONSE_BODY_BYTES - size;
        // A read that ends exactly at the cap says nothing of what follows: only a byte
        // past it (the next read, within the same timeout) means the body was cut.
        if (buf.length > room) {
          chunks.push(buf.subarray(0, room));
          size += room;
          truncated = true;
          break;
        }
        chunks.push(buf);
        size += buf.length;
      }
      if (truncated) res.body.destroy();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      return {
        ok: true,
        response: { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') },
        durationMs: elapsed(),
        truncated,
      };
    } catch (err) {
      return { ok: false, error: classify(err), durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
