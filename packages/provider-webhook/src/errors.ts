import { HeraldError } from '@herald/core';

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
export class WebhookVerificationError extends HeraldError {
  declare readonly code: WebhookVerificationCode;

  constructor(code: WebhookVerificationCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'WebhookVerificationError';
  }
}

/** Why a signing secret or a verifier's options are unusable. */
export type WebhookConfigCode =
  | 'invalid_signing_secret'
  | 'no_credentials'
  | 'invalid_tolerance'
  | 'invalid_header_prefix';

/** The receiver's own configuration is wrong (not the request): fix it, don't answer 401. */
export class WebhookConfigError extends HeraldError {
  declare readonly code: WebhookConfigCode;

  constructor(code: WebhookConfigCode, message: string) {
    super(code, message);
    this.name = 'WebhookConfigError';
  }
}

/** What `render` cannot turn into a request: a bug in its caller, never the event's data. */
export type WebhookRenderCode = 'invalid_header_prefix' | 'invalid_delivery_id' | 'invalid_attempt_at';

/** The notification handed to `render` breaks the contract (bad prefix, id or time). */
export class WebhookRenderError extends HeraldError {
  declare readonly code: WebhookRenderCode;

  constructor(code: WebhookRenderCode, message: string) {
    super(code, message);
    this.name = 'WebhookRenderError';
  }
}
