import { WebhookConfigError } from './receiver-errors.js';

// No import from @herald/core or zod: this module is part of `@herald/provider-webhook/verify`,
// which a receiver loads with node:crypto alone.

/** Prefix of a Standard Webhooks symmetric secret. https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme */
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** Standard Webhooks: "at least 24 bytes (192 bits, 512 maximum)" — 512 bits is 64 bytes. */
export const MIN_SIGNING_SECRET_BYTES = 24;
export const MAX_SIGNING_SECRET_BYTES = 64;
/** Enough for a current secret, the one being rotated out, and a little slack. */
export const MAX_SIGNING_SECRETS = 5;

// Standard, padded base64: the Go reference library decodes with StdEncoding, which
// refuses url-safe characters and missing padding, so anything looser would give
// Herald secrets that some receivers cannot load.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of a Standard Webhooks secret (`whsec_<base64>`, the prefix optional as in
 * the reference libraries). Throws `WebhookConfigError`, never echoing the secret.
 */
export function decodeSigningSecret(secret: string): Buffer {
  const problem = signingSecretProblem(secret, { prefixOptional: true });
  if (problem !== undefined)
    throw new WebhookConfigError('invalid_signing_secret', `signing secret ${problem}`);
  const encoded = secret.startsWith(SIGNING_SECRET_PREFIX)
    ? secret.slice(SIGNING_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, 'base64');
}

/** What is wrong with a signing secret, in words that never include it; undefined when fine. */
export function signingSecretProblem(secret: string, { prefixOptional = false } = {}): string | undefined {
  const prefixed = secret.startsWith(SIGNING_SECRET_PREFIX);
  if (!prefixed && !prefixOptional) return `must start with ${SIGNING_SECRET_PREFIX}`;
  const encoded = prefixed ? secret.slice(SIGNING_SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    return `must be ${SIGNING_SECRET_PREFIX} followed by standard, padded base64`;
  }
  const bytes = Buffer.byteLength(encoded, 'base64');
  if (bytes < MIN_SIGNING_SECRET_BYTES || bytes > MAX_SIGNING_SECRET_BYTES) {
    return `must decode to ${MIN_SIGNING_SECRET_BYTES}–${MAX_SIGNING_SECRET_BYTES} bytes (it decodes to ${bytes})`;
  }
  return undefined;
}
