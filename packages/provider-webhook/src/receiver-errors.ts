// The receiving side's errors. They extend Error, not @herald/core's HeraldError, so that
// `@herald/provider-webhook/verify` loads nothing but node:crypto; they have the same
// shape (`name`, a stable `code`, `cause`).

/** Why `verifyWebhook` refused a request; stable, safe to return to the sender. */
export type WebhookVerificationCode =
  | 'missing_token'
  | 'bad_token'
  | 'missing_id'
  | 'missing_timestamp'
  | 'bad_timestamp'
  | 'missing_signature'
  | 'bad_signature'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'bad_payload';

/** A request that is not a genuine, fresh Herald webhook. Messages never contain a secret. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationCode;

  constructor(code: WebhookVerificationCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

/** Why a signing secret or a verifier's options are unusable. */
export type WebhookConfigCode =
  | 'invalid_signing_secret'
  | 'invalid_signing_key'
  | 'invalid_public_key'
  | 'no_credentials'
  | 'invalid_tolerance'
  | 'invalid_header_prefix';

/** The receiver's own configuration is wrong (not the request): fix it, don't answer 401. */
export class WebhookConfigError extends Error {
  readonly code: WebhookConfigCode;

  constructor(code: WebhookConfigCode, message: string) {
    super(message);
    this.name = 'WebhookConfigError';
    this.code = code;
  }
}
