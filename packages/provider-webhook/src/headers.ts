import { DEFAULT_HEADER_PREFIX } from '@herald/core';
import { WebhookRenderError } from './errors.js';

/** Sent on every request so receivers and their proxies can recognise Herald. */
export const USER_AGENT = 'Herald-Webhooks/1.0';

/** Standard Webhooks header names (lower-case, as the spec spells them). */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

// Letters, digits and inner dashes: a valid RFC 9110 token that still reads as a prefix
// (`X-Herald-` would give `X-Herald--Notification-…`).
const HEADER_PREFIX = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
/** Longest accepted header prefix; generous, and keeps header names short. */
export const MAX_HEADER_PREFIX_CHARS = 64;

/** The identity header names for one prefix (DESIGN.md "Webhook requests"). */
export interface IdentityHeaderNames {
  integrationId: string;
  integrationName: string;
  integrationToken: string;
  eventId: string;
  eventType: string;
}

/** Whether `prefix` can start Herald's header names. */
export function isValidHeaderPrefix(prefix: string): boolean {
  return prefix.length <= MAX_HEADER_PREFIX_CHARS && HEADER_PREFIX.test(prefix);
}

/** The identity header names under `prefix` (default `X-Herald`); throws on a prefix that is not a header token. */
export function identityHeaderNames(prefix: string = DEFAULT_HEADER_PREFIX): IdentityHeaderNames {
  if (!isValidHeaderPrefix(prefix)) {
    throw new WebhookRenderError(
      'invalid_header_prefix',
      `header prefix ${JSON.stringify(prefix)} must be letters and digits separated by single dashes, at most ${MAX_HEADER_PREFIX_CHARS} characters`,
    );
  }
  const base = `${prefix}-Notification-Integration`;
  return {
    integrationId: `${base}-Id`,
    integrationName: `${base}-Name`,
    integrationToken: `${base}-Token`,
    eventId: `${base}-Event-Id`,
    eventType: `${base}-Event-Type`,
  };
}

const PERCENT = 0x25;
const SPACE = 0x20;
const TILDE = 0x7e;

/**
 * Makes text safe as a header value, reversibly: UTF-8 bytes outside printable ASCII
 * (so non-ASCII letters, CR, LF and every other control character) and `%` itself are
 * percent-encoded, as are leading and trailing spaces (HTTP would trim them). Printable
 * ASCII text without `%` passes unchanged; `decodeURIComponent` restores any value.
 */
export function encodeHeaderValue(text: string): string {
  // The common case (ids, plain names) needs no encoding.
  if (/^[!-$&-~](?:[ -$&-~]*[!-$&-~])?$/.test(text)) return text;
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (const byte of bytes) {
    out +=
      byte >= SPACE && byte <= TILDE && byte !== PERCENT
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.replace(/^ +| +$/g, (spaces) => '%20'.repeat(spaces.length));
}

/** Reverses `encodeHeaderValue`; returns the value unchanged if it is not valid percent-encoding. */
export function decodeHeaderValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
