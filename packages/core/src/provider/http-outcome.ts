import { DEFAULT_RATE_LIMIT_WAIT_MS, parseRetryAfter } from '../policy.js';
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

/** A `retry` outcome that carries the response's `Retry-After`, when it has a readable one. */
export function retryOutcome(reason: string, response: HttpResponseInfo): Outcome {
  const afterMs = retryAfterOf(response);
  return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, afterMs };
}

/** What follows the label in a failure's reason, by status or by class (a status wins); each brings its separator. */
export type ReasonSuffixes = Partial<Record<StatusClass | number, string>>;

/** Core's suffixes; spread them to change one. */
export const DEFAULT_REASON_SUFFIXES: ReasonSuffixes = {
  gone: ' Gone: the endpoint no longer exists',
  redirect: ': redirects are not followed',
};

/**
 * How a provider reads its destination's answers with `interpretHttp`: what differs from
 * core's reading, as data (Alertmanager's notifiers parameterise one `Retrier` the same way).
 */
export interface HttpReading {
  /** How a failure's reason starts; `HTTP <status>` by default. `status` is the one being read. */
  label?: (response: HttpResponseInfo, status: number) => string;
  /** What follows the label; `DEFAULT_REASON_SUFFIXES` when absent (a given table replaces it). */
  suffixes?: ReasonSuffixes;
  /** The destination's own words, appended after `: ` (never the request, which may hold a secret). */
  details?: (response: HttpResponseInfo) => string | undefined;
  /** Whether a 2xx delivered; by default it did. One that did not fails with the `success` suffix. */
  delivered?: (response: HttpResponseInfo) => boolean;
  /** Statuses that fail and turn the integration off; `[410]` by default. */
  disableCodes?: readonly number[];
  /** Statuses retried besides 408 and 5xx, or `'all'` to retry every failure but a disabling one. */
  retryCodes?: readonly number[] | 'all';
  /** The reason of a 429; `HTTP 429` by default. */
  rateLimitReason?: string | ((response: HttpResponseInfo) => string);
  /** How long a 429 asks to wait, in ms; its `Retry-After` by default. */
  rateLimitWaitMs?: (response: HttpResponseInfo) => number | undefined;
  /** The wait after a 429 that names none; `DEFAULT_RATE_LIMIT_WAIT_MS` by default. */
  defaultRateLimitWaitMs?: number;
}

const DEFAULT_DISABLE_CODES: readonly number[] = [410];

function isRetried(status: number, statusClass: StatusClass, retryCodes: HttpReading['retryCodes']): boolean {
  if (statusClass === 'timeout' || statusClass === 'serverError' || retryCodes === 'all') return true;
  return retryCodes?.includes(status) ?? false;
}

function reasonOf(
  reading: HttpReading,
  response: HttpResponseInfo,
  status: number,
  statusClass: StatusClass,
) {
  const label = reading.label?.(response, status) ?? `HTTP ${status}`;
  const suffixes = reading.suffixes ?? DEFAULT_REASON_SUFFIXES;
  const reason = label + (suffixes[status] ?? suffixes[statusClass] ?? '');
  const details = reading.details?.(response);
  return details === undefined ? reason : `${reason}: ${details}`;
}

/**
 * Reads an HTTP answer as an outcome. By default: 2xx success; 429 rate-limited for its
 * `Retry-After`; 408 and 5xx retried (honouring `Retry-After`); 410 fails and disables;
 * redirects and other 4xx fail (retrying the same request would get the same answer).
 * `reading` says where a provider's destination differs; `status` is the one to read when
 * it is not the response's own (a connector that wraps the real status in a 200).
 */
export function interpretHttp(
  response: HttpResponseInfo,
  reading: HttpReading = {},
  status: number = response.status,
): Outcome {
  const statusClass = classifyStatus(status);
  if (statusClass === 'success' && (reading.delivered?.(response) ?? true)) return { kind: 'success' };
  if (statusClass === 'rateLimited') {
    const { rateLimitReason = 'HTTP 429', rateLimitWaitMs = retryAfterOf } = reading;
    return {
      kind: 'rateLimited',
      reason: typeof rateLimitReason === 'string' ? rateLimitReason : rateLimitReason(response),
      afterMs: rateLimitWaitMs(response) ?? reading.defaultRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS,
    };
  }
  const reason = reasonOf(reading, response, status, statusClass);
  if ((reading.disableCodes ?? DEFAULT_DISABLE_CODES).includes(status)) {
    return { kind: 'fail', reason, disable: true };
  }
  if (isRetried(status, statusClass, reading.retryCodes)) return retryOutcome(reason, response);
  return { kind: 'fail', reason, disable: false };
}
