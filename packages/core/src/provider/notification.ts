import type { HeraldEvent } from '../events/envelope.js';
import { summarize } from '../events/summary.js';
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
}

/** Builds what a provider renders from; the event's summary is made once, when first read. */
export function buildNotification(input: NotificationInput): Notification {
  let summary: Notification['summary'] | undefined;
  return {
    event: input.event,
    // Chat providers read it; a plain webhook never does, so it is made on first use.
    get summary() {
      summary ??= summarize(input.event);
      return summary;
    },
    integration: input.integration,
    deliveryId: input.deliveryId,
    attempt: input.attempt ?? 1,
    attemptAt: input.attemptAt ?? new Date().toISOString(),
    headerPrefix: input.headerPrefix ?? DEFAULT_HEADER_PREFIX,
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
