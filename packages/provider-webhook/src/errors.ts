import { HeraldError } from '@herald/core';

export type { WebhookConfigCode, WebhookVerificationCode } from './receiver-errors.js';
export { WebhookConfigError, WebhookVerificationError } from './receiver-errors.js';

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
