import { controlCharacterProblem } from '@herald/core';
import { z } from 'zod';
import { WebhookConfigError } from './errors.js';

/** Prefix of a Standard Webhooks symmetric secret. https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme */
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** Standard Webhooks: "at least 24 bytes (192 bits, 512 maximum)" — 512 bits is 64 bytes. */
export const MIN_SIGNING_SECRET_BYTES = 24;
export const MAX_SIGNING_SECRET_BYTES = 64;
/** Enough for a current secret, the one being rotated out, and a little slack. */
export const MAX_SIGNING_SECRETS = 5;
/** The plain token sent in the `…-Integration-Token` header. */
export const MAX_TOKEN_CHARS = 256;

// Standard, padded base64: the Go reference library decodes with StdEncoding, which
// refuses url-safe characters and missing padding, so anything looser would give
// Herald secrets that some receivers cannot load.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Visible ASCII only: the token travels in a header, where anything else is mangled
// or refused, and surrounding whitespace would be trimmed by the receiver's parser.
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
// An http(s) URL with an authority: `z.url()` alone also accepts `https:///x`.
const HAS_AUTHORITY = /^https?:\/\/[^/?#\s]/i;

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
function signingSecretProblem(secret: string, { prefixOptional = false } = {}): string | undefined {
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

const signingSecretSchema = z.string().superRefine((secret, ctx) => {
  const problem = signingSecretProblem(secret);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A generic webhook: where to POST, and how the receiver can tell the request is ours. */
export const webhookConfigSchema = z.strictObject({
  url: z
    .string()
    // Checked before URL parsing, which drops tabs and line breaks (zod's too) and encodes
    // spaces: what was stored would not be what is sent.
    .superRefine((url, ctx) => {
      const problem =
        controlCharacterProblem(url) ??
        (/\s/.test(url) ? 'must not contain spaces (percent-encode them as %20)' : undefined);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .pipe(
      z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .regex(HAS_AUTHORITY, 'must be an http:// or https:// URL with a host'),
    ),
  secret: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_TOKEN_CHARS, `must be at most ${MAX_TOKEN_CHARS} characters`)
    .regex(VISIBLE_ASCII, 'must be visible ASCII characters without spaces (it is sent in a header)')
    .optional(),
  signingSecrets: z
    .array(signingSecretSchema)
    .max(MAX_SIGNING_SECRETS, `at most ${MAX_SIGNING_SECRETS} signing secrets`)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a secret')
    .optional(),
});

/** A validated webhook integration config. */
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** Fields a read never shows: the token and every signing secret. */
export const WEBHOOK_SECRET_FIELDS = ['secret', 'signingSecrets'] as const;

/** How many trailing characters a masked secret keeps, so rotation can tell two apart. */
const MASK_KEEP_CHARS = 4;
/** Below this length, keeping any character would reveal too much of a secret. */
const MASK_MIN_CHARS_TO_KEEP = 20;

/**
 * Masks a secret for reads: `whsec_…abcd` for signing secrets (one value of the list at
 * a time), `…abcd` for a long token, `…` for a short one.
 */
export function maskWebhookSecret(_field: string, value: string): string {
  // Defensive: the contract passes one string, but a caller handing over the whole
  // list must still get nothing secret back.
  if (typeof value !== 'string') return '…';
  const prefix = value.startsWith(SIGNING_SECRET_PREFIX) ? SIGNING_SECRET_PREFIX : '';
  const tail = value.length >= MASK_MIN_CHARS_TO_KEEP ? value.slice(-MASK_KEEP_CHARS) : '';
  return `${prefix}…${tail}`;
}
