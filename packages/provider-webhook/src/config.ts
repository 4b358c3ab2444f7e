import { controlCharacterProblem } from '@herald/core';
import { z } from 'zod';
import {
  MAX_SIGNING_KEYS,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  SIGNING_KEY_PREFIX,
  signingKeyProblem,
} from './signing-key.js';
import { MAX_SIGNING_SECRETS, SIGNING_SECRET_PREFIX, signingSecretProblem } from './signing-secret.js';

export {
  decodePublicKey,
  decodeSigningKey,
  ED25519_KEY_BYTES,
  generateSigningKey,
  MAX_SIGNING_KEYS,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  SIGNING_KEY_PREFIX,
} from './signing-key.js';

export {
  decodeSigningSecret,
  MAX_SIGNING_SECRET_BYTES,
  MAX_SIGNING_SECRETS,
  MIN_SIGNING_SECRET_BYTES,
  SIGNING_SECRET_PREFIX,
} from './signing-secret.js';

/** The plain token sent in the `…-Integration-Token` header. */
export const MAX_TOKEN_CHARS = 256;

// Visible ASCII only: the token travels in a header, where anything else is mangled
// or refused, and surrounding whitespace would be trimmed by the receiver's parser.
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
// An http(s) URL with an authority: `z.url()` alone also accepts `https:///x`.
const HAS_AUTHORITY = /^https?:\/\/[^/?#\s]/i;

const signingSecretSchema = z.string().superRefine((secret, ctx) => {
  const problem = signingSecretProblem(secret);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const signingKeySchema = z.string().superRefine((key, ctx) => {
  const problem = signingKeyProblem(key);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A generic webhook: where to POST, and how the receiver can tell the request is ours. */
export const webhookConfigSchema = z
  .strictObject({
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
    signingKeys: z
      .array(signingKeySchema)
      .max(MAX_SIGNING_KEYS, `at most ${MAX_SIGNING_KEYS} signing keys`)
      .refine((list) => new Set(list).size === list.length, 'must not repeat a key')
      .optional()
      .meta({
        description:
          'ed25519 private keys (whsk_…) for v1a signatures, newest first; write-only: reads show each as its whpk_ public key',
      }),
    githubSignature: z.boolean().optional().meta({
      description:
        'also send X-Hub-Signature-256: sha256=<hex HMAC of the body>, keyed with the oldest signing secret (needs signingSecrets)',
    }),
  })
  .superRefine((config, ctx) => {
    if (config.githubSignature === true && (config.signingSecrets ?? []).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['githubSignature'],
        message: 'needs a signing secret: X-Hub-Signature-256 is an HMAC keyed with one of signingSecrets',
      });
    }
  });

/** A validated webhook integration config. */
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** Fields a read never shows: the token, every signing secret and every private key. */
export const WEBHOOK_SECRET_FIELDS = ['secret', 'signingSecrets', 'signingKeys'] as const;

/** How many trailing characters a masked secret keeps, so rotation can tell two apart. */
const MASK_KEEP_CHARS = 4;
/** Below this length, keeping any character would reveal too much of a secret. */
const MASK_MIN_CHARS_TO_KEEP = 20;

/**
 * Masks a secret for reads: a `whsk_` private key as its `whpk_` public key (which is what
 * a receiver needs, and stands for the private key when a PATCH sends it back),
 * `whsec_…abcd` for signing secrets (one value of the list at a time), `…abcd` for a long
 * token, `…` for a short one.
 */
export function maskWebhookSecret(_field: string, value: string): string {
  // Defensive: the contract passes one string, but a caller handing over the whole
  // list must still get nothing secret back.
  if (typeof value !== 'string') return '…';
  if (value.startsWith(SIGNING_KEY_PREFIX)) {
    return signingKeyProblem(value) === undefined ? publicKeyOf(value) : `${PUBLIC_KEY_PREFIX}…`;
  }
  const prefix = value.startsWith(SIGNING_SECRET_PREFIX) ? SIGNING_SECRET_PREFIX : '';
  const tail = value.length >= MASK_MIN_CHARS_TO_KEEP ? value.slice(-MASK_KEEP_CHARS) : '';
  return `${prefix}…${tail}`;
}
