import type { HeraldEvent } from '../events/envelope.js';
import { summarize } from '../events/summary.js';
import type { RenderedMessage } from '../template/message-template.js';
import type { Notification } from './contract.js';

/** Default prefix of Herald's identity headers (`HERALD_HEADER_PREFIX`). */
export const DEFAULT_HEADER_PREFIX = 'X-Herald';

export interface NotificationInput {
  event: HeraldEvent;
  integration: { id: string; name: string };
  deliveryId: string;
  attempt?: number;
  attemptAt?: string;
  headerPrefix?: string;
  /** What the integration's template rendered, if it has one. */
  message?: RenderedMessage;
}

/** Builds what a provider renders from; the event's summary is made once, when first read. */
export function buildNotification(input: NotificationInput): Notification {
  let summary: Notification['summary'] | undefined;
  return {
    event: input.event,
    // Chat providers read it; a plain webhook never does, so it is made on first use.
    get summary() {
      summary ??= withMessage(summarize(input.event), input.message);
      return summary;
    },
    integration: input.integration,
    deliveryId: input.deliveryId,
    attempt: input.attempt ?? 1,
    attemptAt: input.attemptAt ?? new Date().toISOString(),
    headerPrefix: input.headerPrefix ?? DEFAULT_HEADER_PREFIX,
    message: input.message,
  };
}

/**
 * A template's title and text stand in for Herald's own in the summary, so every chat
 * provider renders them where it renders the summary — cut to its limits as any text is.
 */
function withMessage(summary: Notification['summary'], message: RenderedMessage | undefined) {
  if (!message) return summary;
  return {
    ...summary,
    ...(message.title === undefined ? {} : { title: message.title }),
    ...(message.text === undefined ? {} : { text: message.text }),
  };
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  if (max === 1) return '…';
  const cut = text.slice(0, max - 1);
  // Never leave half a surrogate pair (half an emoji) before the ellipsis.
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
