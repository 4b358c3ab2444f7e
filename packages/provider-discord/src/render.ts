import type { HttpRequestSpec, Notification } from '@herald/core';
import type { DiscordConfig } from './config.js';
import { buildMessage } from './embed.js';

/**
 * The webhook URL with `wait=true`, keeping any other query (e.g. `thread_id`).
 * Without it Discord answers 204 before the message is saved, and "a message that is
 * not saved does not return an error"; with it, a bad payload comes back as a 400.
 * https://discord.com/developers/docs/resources/webhook#execute-webhook-query-string-params
 */
export function executeUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  url.searchParams.set('wait', 'true');
  return url.toString();
}

/** The Execute Webhook request for a notification. */
export function renderDiscord(notification: Notification, config: DiscordConfig): HttpRequestSpec {
  return {
    method: 'POST',
    url: executeUrl(config.url),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(buildMessage(notification)),
  };
}
