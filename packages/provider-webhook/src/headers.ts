import { DEFAULT_HEADER_PREFIX } from '@herald/core';
import { WebhookRenderError } from './errors.js';
import {
  headerNamesFor,
  type IdentityHeaderNames,
  isValidHeaderPrefix,
  MAX_HEADER_PREFIX_CHARS,
} from './header-names.js';

export type { IdentityHeaderNames } from './header-names.js';
export {
  decodeHeaderValue,
  GITHUB_SIGNATURE_HEADER,
  isValidHeaderPrefix,
  MAX_HEADER_PREFIX_CHARS,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './header-names.js';

/** Sent on every request so receivers and their proxies can recognise Herald. */
export const USER_AGENT = 'Herald-Webhooks/1.0';

/** The identity header names under `prefix` (default `X-Herald`); throws on a prefix that is not a header token. */
export function identityHeaderNames(prefix: string = DEFAULT_HEADER_PREFIX): IdentityHeaderNames {
  if (!isValidHeaderPrefix(prefix)) {
    throw new WebhookRenderError(
      'invalid_header_prefix',
      `header prefix ${JSON.stringify(prefix)} must be letters and digits separated by single dashes, at most ${MAX_HEADER_PREFIX_CHARS} characters`,
    );
  }
  return headerNamesFor(prefix);
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
