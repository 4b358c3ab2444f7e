import { type HttpRequestSpec, isSafeToken, type Notification } from '@herald/core';
import type { WebhookConfig } from './config.js';
import { WebhookRenderError } from './errors.js';
import {
  encodeHeaderValue,
  GITHUB_SIGNATURE_HEADER,
  identityHeaderNames,
  USER_AGENT,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './headers.js';
import { githubSignatureOf, signWebhook } from './sign.js';

const MS_PER_SECOND = 1000;

/** The body Herald POSTs: exactly `{"event": "<type>", "data": {…}}` (DESIGN.md). */
export interface WebhookBody {
  event: string;
  data: Record<string, unknown>;
}

/**
 * The JSON body for a notification: the two keys, in this order, minified; or what the
 * integration's template rendered (core has checked it is JSON), byte for byte as signed.
 */
export function renderBody(notification: Notification): string {
  if (notification.message?.body !== undefined) return notification.message.body;
  const body: WebhookBody = { event: notification.event.event, data: notification.event.data };
  return JSON.stringify(body);
}

/** Unix seconds of the attempt; the `webhook-timestamp` every signature covers. */
export function attemptTimestampSeconds(notification: Notification): number {
  const ms = Date.parse(notification.attemptAt);
  if (Number.isNaN(ms)) {
    throw new WebhookRenderError(
      'invalid_attempt_at',
      `attemptAt ${JSON.stringify(notification.attemptAt)} is not an ISO date`,
    );
  }
  return Math.floor(ms / MS_PER_SECOND);
}

/**
 * Renders the webhook request: identity headers (token only when set), Standard
 * Webhooks id and timestamp always, one signature per signing secret and per signing key
 * when any, and GitHub's `X-Hub-Signature-256` when asked for.
 */
export function renderWebhook(notification: Notification, config: WebhookConfig): HttpRequestSpec {
  // The delivery id becomes `webhook-id`, which the signature joins with `.`: a safe
  // token (no dots, no spaces) keeps `${id}.${timestamp}.${body}` unambiguous.
  if (!isSafeToken(notification.deliveryId)) {
    throw new WebhookRenderError('invalid_delivery_id', 'deliveryId must match [A-Za-z0-9_-]{1,64}');
  }
  const names = identityHeaderNames(notification.headerPrefix);
  const body = renderBody(notification);
  const id = notification.deliveryId;
  const timestamp = attemptTimestampSeconds(notification);

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    [names.integrationId]: encodeHeaderValue(notification.integration.id),
    [names.integrationName]: encodeHeaderValue(notification.integration.name),
  };
  // The schema allows only visible ASCII in the token, so it is sent verbatim: the
  // receiver compares it byte for byte.
  if (config.secret !== undefined) headers[names.integrationToken] = config.secret;
  headers[names.eventId] = encodeHeaderValue(notification.event.id);
  headers[names.eventType] = encodeHeaderValue(notification.event.event);
  // Sent even unsigned: the id lets receivers deduplicate retries, the timestamp costs nothing.
  headers[WEBHOOK_ID_HEADER] = id;
  headers[WEBHOOK_TIMESTAMP_HEADER] = String(timestamp);
  const secrets = config.signingSecrets ?? [];
  const keys = config.signingKeys ?? [];
  if (secrets.length + keys.length > 0) {
    headers[WEBHOOK_SIGNATURE_HEADER] = signWebhook({ id, timestamp, body }, secrets, keys);
  }
  // One value only, so it uses the oldest secret (the last; new ones are added first): a
  // GitHub-style receiver keeps verifying through a rotation until the old secret is dropped.
  const oldest = secrets.at(-1);
  if (config.githubSignature === true && oldest !== undefined) {
    headers[GITHUB_SIGNATURE_HEADER] = githubSignatureOf(oldest, body);
  }
  return { method: 'POST', url: config.url, headers, body };
}
