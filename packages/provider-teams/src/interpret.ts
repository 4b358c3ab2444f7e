import {
  classifyStatus,
  DEFAULT_REASON_SUFFIXES,
  type HttpReading,
  type HttpResponseInfo,
  interpretHttp,
  type Outcome,
  retryOutcome,
} from '@herald/core';
import { DEFAULT_RATE_LIMIT_WAIT_MS } from './limits.js';

// Two kinds of answer reach us, and their bodies tell them apart (interpret never sees
// the URL):
// - Workflows (Power Automate / Logic Apps) answer like any HTTP API: 202 with an empty
//   body once the flow run is queued; errors as statuses with a JSON `{ error: { code } }`.
// - Legacy Office 365 connectors answer 200 with the text `1` on success, and 200 even
//   when Teams refused the message, wrapping Teams' status in the text:
//   `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP
//   error 429 with ContextId …` (https://github.com/MicrosoftDocs/msteams-docs/issues/1810,
//   https://github.com/MicrosoftDocs/msteams-docs/issues/7425).

const WRAPPED_STATUS = /returned HTTP error (\d{3})\b/i;
const DELIVERY_FAILED = /delivery failed/i;
// Logic Apps error codes are identifiers (`WorkflowNotFound`, `DirectApiAuthorizationRequired`);
// anything else in the body (messages quote workflow names and ids) stays out of reasons.
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/** Teams' status wrapped in a legacy connector's 200 answer, if the body carries one. */
export function wrappedStatusOf(body: string): number | undefined {
  const match = WRAPPED_STATUS.exec(body);
  return match ? Number(match[1]) : undefined;
}

function errorCodeOf(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } })?.error?.code;
    return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** How Herald reads a status Teams or a workflow answered directly (not wrapped in a 200). */
const DIRECT_READING: HttpReading = {
  label: ({ body }, status) => {
    const code = errorCodeOf(body);
    return code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}`;
  },
  suffixes: {
    ...DEFAULT_REASON_SUFFIXES,
    gone: ': the webhook no longer exists',
    authError:
      ': the workflow refused an anonymous caller; set its trigger\'s "Who can trigger the flow" to Anyone',
    400: ': the card was rejected',
    404: ': the workflow or webhook was deleted',
    413: ': the message is too large for Teams',
  },
  // A deleted workflow (or a removed connector) answers 404 to every later post, so
  // retrying only piles up failures: turn the integration off until someone fixes it.
  disableCodes: [404, 410],
  rateLimitReason: 'HTTP 429: more than 4 posts per second to this webhook',
  defaultRateLimitWaitMs: DEFAULT_RATE_LIMIT_WAIT_MS,
};

/** How Herald reads Teams' status as a legacy connector relayed it inside a 200 answer. */
const WRAPPED_READING: HttpReading = {
  label: (response, status) => `the connector answered ${response.status} but Teams returned HTTP ${status}`,
  // Teams named it an error, whatever its number.
  delivered: () => false,
  suffixes: { 413: ': the message is too large' },
  // A removed channel shows up here as a wrapped 400 (MicrosoftDocs/msteams-docs#400),
  // indistinguishable from a bad card: fail, and let the health policy disable it.
  disableCodes: [],
  rateLimitReason: 'Teams returned HTTP 429 through the connector: more than 4 posts per second',
  defaultRateLimitWaitMs: DEFAULT_RATE_LIMIT_WAIT_MS,
};

/** Reads a Teams webhook's answer (Workflows or legacy connector) as a typed outcome. */
export function interpretTeams(response: HttpResponseInfo): Outcome {
  const ok = classifyStatus(response.status) === 'success';
  const wrapped = ok ? wrappedStatusOf(response.body) : undefined;
  if (wrapped !== undefined) return interpretHttp(response, WRAPPED_READING, wrapped);
  // A connector failure whose text names no status: unknown cause, so worth a retry.
  if (ok && DELIVERY_FAILED.test(response.body)) {
    return retryOutcome(`the connector answered ${response.status} with a failed delivery`, response);
  }
  // 202 with an empty body (Workflows) or 200 with `1` (connector) succeeds.
  return interpretHttp(response, DIRECT_READING);
}
