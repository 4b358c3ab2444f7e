import { fileURLToPath } from 'node:url';
import { MAX_EVENT_BYTES } from '@herald/core';
import { runProviderConformance } from '@herald/core/testing';
import webhookProvider from '../src/index.js';
import { ALL_SECRETS, FULL_CONFIG } from './fixtures.js';

// RFC 9110 field-name token, and a field value of visible ASCII and inner spaces only.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The webhook's own limits: a parseable body no larger than an event — `{event, data}`
 * unless a template made it — and sendable headers.
 */
function checkLimits(
  request: { headers: Record<string, string>; body: string },
  context?: { templated: boolean },
): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(request.body);
  if (bytes > MAX_EVENT_BYTES) problems.push(`body is ${bytes} bytes, more than ${MAX_EVENT_BYTES}`);
  const keys = Object.keys(JSON.parse(request.body) as object);
  if (!context?.templated && keys.join(',') !== 'event,data')
    problems.push(`body keys are ${keys.join(',')}`);
  for (const [name, value] of Object.entries(request.headers)) {
    if (!HEADER_NAME.test(name)) problems.push(`header name ${JSON.stringify(name)}`);
    if (!HEADER_VALUE.test(value)) problems.push(`header ${name} value ${JSON.stringify(value)}`);
  }
  return problems;
}

runProviderConformance({
  provider: webhookProvider,
  config: FULL_CONFIG,
  secrets: ALL_SECRETS,
  // Only the plain token travels, in its header; signing secrets never leave Herald.
  secretPlaces: ['header:x-herald-notification-integration-token'],
  checkLimits,
  // A webhook retries any non-2xx answer (seed docs: "resent a limited number of
  // times"); see README "Outcomes". Redirects are failures that are retried too.
  statusTable: {
    301: 'retry',
    302: 'retry',
    307: 'retry',
    400: 'retry',
    401: 'retry',
    403: 'retry',
    404: 'retry',
  },
  goldenDir: fileURLToPath(new URL('./golden', import.meta.url)),
});
