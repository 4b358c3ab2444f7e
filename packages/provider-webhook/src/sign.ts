import { createHmac, sign } from 'node:crypto';
import { decodeSigningKey } from './signing-key.js';
import { decodeSigningSecret } from './signing-secret.js';

/** Version tag of a symmetric (HMAC-SHA256) Standard Webhooks signature. */
export const SIGNATURE_VERSION = 'v1';
/** Version tag of an asymmetric (ed25519) Standard Webhooks signature. */
export const ASYMMETRIC_SIGNATURE_VERSION = 'v1a';

/** What a Standard Webhooks signature covers: `${id}.${timestamp}.${body}`. */
export interface SignedContent {
  /** `webhook-id`; must not contain `.` (the spec's separator). */
  id: string;
  /** `webhook-timestamp`, unix seconds, exactly as sent in the header. */
  timestamp: number | string;
  /** The raw body, byte for byte as sent. */
  body: string | Uint8Array;
}

/** `${id}.${timestamp}.${body}` as bytes: what both schemes sign. */
export function signedBytes(content: SignedContent): Buffer {
  const body = typeof content.body === 'string' ? Buffer.from(content.body, 'utf8') : content.body;
  return Buffer.concat([Buffer.from(`${content.id}.${content.timestamp}.`, 'utf8'), body]);
}

/** Base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` under one secret's bytes. */
export function signatureOf(key: Uint8Array, content: SignedContent): string {
  return createHmac('sha256', key)
    .update(`${content.id}.${content.timestamp}.`)
    .update(content.body)
    .digest('base64');
}

/** Base64 ed25519 signature of `${id}.${timestamp}.${body}` with one `whsk_` private key. */
export function asymmetricSignatureOf(signingKey: string, content: SignedContent): string {
  return sign(null, signedBytes(content), decodeSigningKey(signingKey)).toString('base64');
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, then one
 * `v1a,<base64>` per ed25519 private key, space-separated, so a receiver still holding an
 * old secret or public key keeps verifying during rotation.
 */
export function signWebhook(
  content: SignedContent,
  secrets: readonly string[],
  signingKeys: readonly string[] = [],
): string {
  return [
    ...secrets.map((secret) => `${SIGNATURE_VERSION},${signatureOf(decodeSigningSecret(secret), content)}`),
    ...signingKeys.map((key) => `${ASYMMETRIC_SIGNATURE_VERSION},${asymmetricSignatureOf(key, content)}`),
  ].join(' ');
}

/**
 * GitHub's `X-Hub-Signature-256` value: `sha256=` and the hex HMAC-SHA256 of the body
 * alone, keyed with the secret's text as GitHub receivers hold it (the whole `whsec_…`
 * string, UTF-8), not the bytes it decodes to.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function githubSignatureOf(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
