import { exampleEvent, type HeraldEvent } from '@herald/core';
import { conformanceNotification } from '@herald/core/testing';
import type { SlackMessage } from '../src/render.js';
import { renderSlack } from '../src/render.js';

/** A webhook URL shaped like Slack's; the token part is what must never leak. */
export const WEBHOOK_URL = 'https://hooks.slack.com/services/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';
export const WEBHOOK_TOKEN = 'GoldenSecretToken0123456';

/** Renders `event` as the runner would and returns the request and its parsed body. */
export function renderEvent(event: HeraldEvent) {
  const request = renderSlack(conformanceNotification(event), { url: WEBHOOK_URL });
  return { request, message: JSON.parse(request.body) as SlackMessage };
}

/** The example event of `type` with its `data` changed by `edit`. */
export function editedEvent<T extends Parameters<typeof exampleEvent>[0]>(
  type: T,
  edit: (data: Record<string, Record<string, unknown>>) => void,
): HeraldEvent {
  const event = exampleEvent(type);
  edit(event.data as unknown as Record<string, Record<string, unknown>>);
  return event;
}
