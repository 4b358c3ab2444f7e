import { createHmac } from 'node:crypto';
import { decodeSigningSecret } from './signing-secret.js';

/** Version tag of a symmetric (HMAC-SHA256) Standard Webhooks signature. */
export const SIGNATURE_VERSION = 'v1';

/** What a Standard Webhooks signature covers: `${id}.${timestamp}.${body}`. */
export interface SignedContent {
  /** `webhook-id`; must not contain `.` (the spec's separator). */
  id: string;
  /** `webhook-timestamp`, unix seconds, exactly as sent in the header. */
  timestamp: number | string;
  /** The raw body, byte for byte as sent. */
  body: string | Uint8Array;
}

/** Base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` under one secret's bytes. */
export function signatureOf(key: Uint8Array, content: SignedContent): string {
  return createHmac('sha256', key)
    .update(`${content.id}.${content.timestamp}.`)
    .update(content.body)
    .digest('base64');
}

/**
 * The `webhook-signature` header value: one `v1,<base64>` per secret, space-separated,
 * so a receiver still holding the old secret keeps verifying during rotation.
 */
export function signWebhook(content: SignedContent, secrets: readonly string[]): string {
  return secrets
    .map((secret) => `${SIGNATURE_VERSION},${signatureOf(decodeSigningSecret(secret), content)}`)
    .join(' ');
}
