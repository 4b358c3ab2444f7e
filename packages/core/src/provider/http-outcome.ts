import { parseRetryAfter } from '../policy.js';
import type { HttpResponseInfo, Outcome } from './contract.js';

/** The coarse class of an HTTP answer, as Alertmanager's notify helper names them. */
export type StatusClass =
  | 'success'
  | 'rateLimited'
  | 'gone'
  | 'timeout'
  | 'serverError'
  | 'redirect'
  | 'authError'
  | 'clientError';

/** Classifies a status code. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 429) return 'rateLimited';
  if (status === 410) return 'gone';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'serverError';
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 401 || status === 403) return 'authError';
  return 'clientError';
}

/** `Retry-After` of a response in ms, if it has a readable one. */
export function retryAfterOf(response: HttpResponseInfo): number | undefined {
  return parseRetryAfter(response.headers['retry-after']);
}

/**
 * The default reading of a plain HTTP answer: 2xx success; 429 rate-limited for its
 * `Retry-After`; 408 and 5xx retried (honouring `Retry-After`); 410 fails and disables;
 * redirects and other 4xx fail (retrying the same request would get the same answer).
 */
export function interpretHttp(response: HttpResponseInfo, defaultRateLimitMs = 5_000): Outcome {
  const { status } = response;
  switch (classifyStatus(status)) {
    case 'success':
      return { kind: 'success' };
    case 'rateLimited':
      return {
        kind: 'rateLimited',
        reason: 'HTTP 429',
        afterMs: retryAfterOf(response) ?? defaultRateLimitMs,
      };
    case 'gone':
      return { kind: 'fail', reason: 'HTTP 410 Gone: the endpoint no longer exists', disable: true };
    case 'timeout':
    case 'serverError': {
      const afterMs = retryAfterOf(response);
      return afterMs === undefined
        ? { kind: 'retry', reason: `HTTP ${status}` }
        : { kind: 'retry', reason: `HTTP ${status}`, afterMs };
    }
    case 'redirect':
      return { kind: 'fail', reason: `HTTP ${status}: redirects are not followed`, disable: false };
    default:
      return { kind: 'fail', reason: `HTTP ${status}`, disable: false };
  }
}
