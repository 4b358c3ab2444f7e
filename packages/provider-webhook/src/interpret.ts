import { classifyStatus, type HttpResponseInfo, type Outcome, retryAfterOf } from '@herald/core';

/** Wait after a 429 that names no delay (core's `defaultRateLimitWaitMs`). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 5_000;

/**
 * Reads a webhook endpoint's answer, as the seed docs and Standard Webhooks ask:
 * 2xx succeeds; 429 is rate-limited for its `Retry-After`; 410 fails and disables;
 * everything else — 3xx (redirects are not followed), 4xx, 5xx — is a failure that is
 * retried on the schedule, honouring `Retry-After` when the endpoint sends one.
 *
 * Unlike core's `interpretHttp`, a 4xx is retried: "the notification will be resent a
 * limited number of times until it is handled successfully". A user's endpoint often
 * answers 401/404 while it is being (re)deployed or reconfigured, and the retry
 * schedule plus the health machine already bound what that costs.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#delivery-success-and-failure
 */
export function interpretWebhook(response: HttpResponseInfo): Outcome {
  const { status } = response;
  const statusClass = classifyStatus(status);
  switch (statusClass) {
    case 'success':
      return { kind: 'success' };
    case 'rateLimited':
      return {
        kind: 'rateLimited',
        reason: 'HTTP 429: the endpoint asked Herald to slow down',
        afterMs: retryAfterOf(response) ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      };
    case 'gone':
      return { kind: 'fail', reason: 'HTTP 410 Gone: the endpoint no longer wants webhooks', disable: true };
    default: {
      // The body and headers are the receiver's and may echo what we sent (the
      // token among it), so the reason names only the status.
      const reason =
        statusClass === 'redirect'
          ? `HTTP ${status}: redirects are not followed; point the integration at the final URL`
          : `HTTP ${status} (${statusClass})`;
      const afterMs = retryAfterOf(response);
      return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, afterMs };
    }
  }
}
