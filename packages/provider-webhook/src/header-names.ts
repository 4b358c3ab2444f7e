// Header names and values as both sides spell them. No import at all: this module is part
// of `@herald/provider-webhook/verify`, which a receiver loads with node:crypto alone.

/** @herald/core's DEFAULT_HEADER_PREFIX, repeated so a receiver need not load core (a test keeps them equal). */
export const DEFAULT_HEADER_PREFIX = 'X-Herald';

/** Standard Webhooks header names (lower-case, as the spec spells them). */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
/** GitHub's HMAC header, sent when an integration opts in (`githubSignature`). */
export const GITHUB_SIGNATURE_HEADER = 'X-Hub-Signature-256';

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

/** The identity header names under a prefix already checked with `isValidHeaderPrefix`. */
export function headerNamesFor(prefix: string): IdentityHeaderNames {
  const base = `${prefix}-Notification-Integration`;
  return {
    integrationId: `${base}-Id`,
    integrationName: `${base}-Name`,
    integrationToken: `${base}-Token`,
    eventId: `${base}-Event-Id`,
    eventType: `${base}-Event-Type`,
  };
}

/** Reverses `encodeHeaderValue`; returns the value unchanged if it is not valid percent-encoding. */
export function decodeHeaderValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
