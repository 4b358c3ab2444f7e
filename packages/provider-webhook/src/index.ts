import { defineProvider } from '@herald/core';
import {
  maskWebhookSecret,
  WEBHOOK_SECRET_FIELDS,
  type WebhookConfig,
  webhookConfigSchema,
} from './config.js';
import { interpretWebhook } from './interpret.js';
import { renderWebhook } from './render.js';

export type { WebhookConfig } from './config.js';
export {
  decodePublicKey,
  decodeSigningKey,
  decodeSigningSecret,
  ED25519_KEY_BYTES,
  generateSigningKey,
  MAX_SIGNING_KEYS,
  MAX_SIGNING_SECRET_BYTES,
  MAX_SIGNING_SECRETS,
  MAX_TOKEN_CHARS,
  MIN_SIGNING_SECRET_BYTES,
  maskWebhookSecret,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  SIGNING_KEY_PREFIX,
  SIGNING_SECRET_PREFIX,
  WEBHOOK_SECRET_FIELDS,
  webhookConfigSchema,
} from './config.js';
export type {
  WebhookConfigCode,
  WebhookRenderCode,
  WebhookVerificationCode,
} from './errors.js';
export { WebhookConfigError, WebhookRenderError, WebhookVerificationError } from './errors.js';
export type { IdentityHeaderNames } from './headers.js';
export {
  decodeHeaderValue,
  encodeHeaderValue,
  GITHUB_SIGNATURE_HEADER,
  identityHeaderNames,
  isValidHeaderPrefix,
  MAX_HEADER_PREFIX_CHARS,
  USER_AGENT,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './headers.js';
export { DEFAULT_RATE_LIMIT_WAIT_MS, interpretWebhook } from './interpret.js';
export type { WebhookBody } from './render.js';
export { attemptTimestampSeconds, renderBody, renderWebhook } from './render.js';
export type { SignedContent } from './sign.js';
export {
  ASYMMETRIC_SIGNATURE_VERSION,
  asymmetricSignatureOf,
  githubSignatureOf,
  SIGNATURE_VERSION,
  signatureOf,
  signWebhook,
} from './sign.js';
export type {
  VerifiedWebhook,
  VerifyWebhookOptions,
  WebhookHeaders,
  WebhookRequest,
} from './verify.js';
export { DEFAULT_TOLERANCE_SECONDS, verifyWebhook } from './verify.js';

const SETUP_HELP = [
  'Enter the URL Herald should POST events to (http or https).',
  'Optionally set a secret: it is sent as the X-Herald-Notification-Integration-Token header for your endpoint to compare.',
  'Better, verify the Standard Webhooks signature of each request with verifyWebhook() or any Standard Webhooks library: Herald generates the signing secret (or takes yours: whsec_…, 24–64 random bytes in base64).',
  'Or let Herald make a signing key pair (ed25519): requests carry a v1a signature that your endpoint verifies with the whpk_ public key alone.',
  'Answer 2xx when handled; other answers are retried, 410 disables the integration.',
].join('\n');

/** The generic HTTP webhook provider: `{event, data}`, identity headers, token, Standard Webhooks signatures. */
const webhookProvider = defineProvider<WebhookConfig>({
  type: 'webhook',
  displayName: 'Webhook',
  configSchema: webhookConfigSchema,
  secretFields: WEBHOOK_SECRET_FIELDS,
  setupHelp: SETUP_HELP,
  maskSecret: maskWebhookSecret,
  // A template's body is sent as the request body, in place of {event, data}.
  templateFields: ['body'],
  render: renderWebhook,
  interpret: interpretWebhook,
});

export default webhookProvider;
