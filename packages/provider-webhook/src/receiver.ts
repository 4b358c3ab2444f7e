// `@herald/provider-webhook/verify`: the receiving side alone. Its module graph imports
// node:crypto and nothing else (no @herald/core, zod, NATS or xstate), so a receiver's app
// loads only what checking a request needs; test/verify-subpath.test.ts keeps it so.

export type { IdentityHeaderNames } from './header-names.js';
export {
  DEFAULT_HEADER_PREFIX,
  decodeHeaderValue,
  GITHUB_SIGNATURE_HEADER,
  isValidHeaderPrefix,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './header-names.js';
export type { WebhookConfigCode, WebhookVerificationCode } from './receiver-errors.js';
export { WebhookConfigError, WebhookVerificationError } from './receiver-errors.js';
export type { SignedContent } from './sign.js';
export {
  ASYMMETRIC_SIGNATURE_VERSION,
  asymmetricSignatureOf,
  githubSignatureOf,
  SIGNATURE_VERSION,
  signatureOf,
  signWebhook,
} from './sign.js';
export {
  decodePublicKey,
  ED25519_KEY_BYTES,
  generateSigningKey,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  SIGNING_KEY_PREFIX,
} from './signing-key.js';
export {
  decodeSigningSecret,
  MAX_SIGNING_SECRET_BYTES,
  MIN_SIGNING_SECRET_BYTES,
  SIGNING_SECRET_PREFIX,
} from './signing-secret.js';
export type {
  VerifiedWebhook,
  VerifyWebhookOptions,
  WebhookHeaders,
  WebhookRequest,
} from './verify.js';
export { DEFAULT_TOLERANCE_SECONDS, verifyWebhook } from './verify.js';
