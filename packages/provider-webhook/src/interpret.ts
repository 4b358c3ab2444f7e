import { type HttpReading, type HttpResponseInfo, interpretHttp, type Outcome } from '@herald/core';

/** Wait after a 429 that names no delay: core's. */
export { DEFAULT_RATE_LIMIT_WAIT_MS } from '@herald/core';

// The body and headers are the receiver's and may echo what we sent (the token among
// it), so reasons name only the status and its class.
const WEBHOOK_READING: HttpReading = {
  retryCodes: 'all',
  rateLimitReason: 'HTTP 429: the endpoint asked Herald to slow down',
  suffixes: {
    gone: ' Gone: the endpoint no longer wants webhooks',
    redirect: ': redirects are not followed; point the integration at the final URL',
    timeout: ' (timeout)',
    serverError: ' (serverError)',
    authError: ' (authError)',
    clientError: ' (clientError)',
  },
};

/**
 * Reads a webhook endpoint's answer, as the seed docs and Standard Webhooks ask:
 * 2xx succeeds; 429 is rate-limited for its `Retry-After`; 410 fails and disables;
 * everything else — 3xx (redirects are not followed), 4xx, 5xx — is a failure that is
 * retried on the schedule, honouring `Retry-After` when the endpoint sends one.
 *
 * Unlike core's default reading, a 4xx is retried: "the notification will be resent a
 * limited number of times until it is handled successfully". A user's endpoint often
 * answers 401/404 while it is being (re)deployed or reconfigured, and the retry
 * schedule plus the health machine already bound what that costs.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#delivery-success-and-failure
 */
export function interpretWebhook(response: HttpResponseInfo): Outcome {
  return interpretHttp(response, WEBHOOK_READING);
}
