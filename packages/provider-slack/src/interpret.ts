import {
  DEFAULT_REASON_SUFFIXES,
  type HttpReading,
  type HttpResponseInfo,
  interpretHttp,
  type Outcome,
} from '@herald/core';

/** How Herald reads one of Slack's incoming-webhook error codes. */
export interface SlackErrorReading {
  /** True when the webhook or its channel is gone or forbidden: retrying cannot help, so turn it off. */
  disable: boolean;
  /** What it means, for the delivery log. */
  meaning: string;
}

/**
 * Error codes Slack answers in the plain-text body of an incoming webhook.
 * https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling-errors
 * Payload errors are Herald's bug: they fail without disabling (resending the same body
 * gets the same answer). Destination errors mean the webhook can no longer post: they
 * fail and disable until someone fixes the integration.
 */
export const SLACK_WEBHOOK_ERRORS: Record<string, SlackErrorReading> = {
  invalid_payload: { disable: false, meaning: 'Slack could not read the message' },
  no_text: { disable: false, meaning: 'the message had no text' },
  too_many_attachments: { disable: false, meaning: 'the message had too many attachments' },
  invalid_blocks: { disable: false, meaning: 'Slack rejected the message blocks' },
  invalid_blocks_format: { disable: false, meaning: 'Slack rejected the message blocks' },
  msg_blocks_too_long: { disable: false, meaning: 'the message blocks were too long' },
  user_not_found: { disable: false, meaning: 'the message named a user that does not exist' },
  no_service: { disable: true, meaning: 'the webhook was removed, disabled or is invalid' },
  no_service_id: { disable: true, meaning: 'the webhook URL is incomplete' },
  no_active_hooks: { disable: true, meaning: 'the webhook is no longer active' },
  invalid_token: { disable: true, meaning: 'the webhook token is invalid' },
  no_team: { disable: true, meaning: 'the Slack workspace is missing or invalid' },
  team_disabled: { disable: true, meaning: 'the Slack workspace is disabled' },
  invalid_team: { disable: true, meaning: 'the Slack workspace is invalid' },
  channel_not_found: { disable: true, meaning: 'the channel no longer exists' },
  channel_is_archived: { disable: true, meaning: 'the channel is archived' },
  action_prohibited: { disable: true, meaning: 'a workspace admin restricts this webhook' },
  posting_to_general_channel_denied: {
    disable: true,
    meaning: 'only admins may post to this channel',
  },
};

// Slack's codes are short snake_case words; anything else is not quoted, so a body that
// echoes the request (and with it the webhook URL) never reaches the delivery log.
const ERROR_CODE = /^[a-z][a-z0-9_]{1,63}$/;

/** Slack's error code in a response body (`channel_not_found`, or `{"ok":false,"error":…}`), if any. */
export function slackErrorCode(body: string): string | undefined {
  const text = body.trim();
  if (ERROR_CODE.test(text)) return text;
  if (!text.startsWith('{')) return undefined;
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    return typeof error === 'string' && ERROR_CODE.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

// Incoming webhooks answer the plain text `ok`; Workflow Builder webhooks answer `{"ok":true}`.
function isOk(body: string): boolean {
  const text = body.trim();
  if (text === 'ok') return true;
  if (!text.startsWith('{')) return false;
  try {
    return (JSON.parse(text) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

function labelOf({ status, body }: HttpResponseInfo): string {
  const code = slackErrorCode(body);
  return code === undefined ? `Slack answered ${status}` : `Slack answered ${status} ${code}`;
}

const SLACK_READING: HttpReading = {
  label: labelOf,
  delivered: ({ body }) => isOk(body),
  suffixes: {
    ...DEFAULT_REASON_SUFFIXES,
    // Slack always says `ok`; another 2xx answer is probably not Slack. Retrying might
    // post twice, so it fails once and shows up in the integration's health.
    success: ' without "ok": the URL may not be a Slack incoming webhook',
    gone: ': the webhook no longer exists',
  },
  rateLimitReason: 'Slack answered 429: too many messages to this webhook',
};

/** Reads Slack's answer to one attempt; pure. Reasons quote Slack's error code, never the URL. */
export function interpretSlack(response: HttpResponseInfo): Outcome {
  const outcome = interpretHttp(response, SLACK_READING);
  if (outcome.kind === 'success' || outcome.kind === 'rateLimited') return outcome;
  // A code Slack names says more than its status: a 404 `channel_not_found` is gone for
  // good, while a bare 404 may come from a proxy.
  const code = slackErrorCode(response.body);
  const known =
    code === undefined || !Object.hasOwn(SLACK_WEBHOOK_ERRORS, code) ? undefined : SLACK_WEBHOOK_ERRORS[code];
  if (known === undefined) return outcome;
  return { kind: 'fail', reason: `${labelOf(response)}: ${known.meaning}`, disable: known.disable };
}
