import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { type HeraldEvent, parseEvent } from './events/envelope.js';
import { eventSubject } from './subjects.js';

/**
 * The `Nats-Msg-Id` of an event: `<teamId>:<eventId>`. Event ids are unique within a team,
 * so deduplication is scoped by team: two teams may use the same id.
 */
export function eventMsgId(event: Pick<HeraldEvent, 'teamId' | 'id'>): string {
  return `${event.teamId}:${event.id}`;
}

/**
 * Validates an event, publishes it to `herald.events.<team>.<project>.<type>` with
 * `Nats-Msg-Id` set to `<teamId>:<id>` (JetStream drops duplicates inside the dedup
 * window) and returns the stream's ack. Throws `InvalidEventError` before anything is sent.
 */
export async function publishEvent(
  js: JetStreamClient,
  event: unknown,
  options: { traceparent?: string } = {},
): Promise<PubAck> {
  const valid: HeraldEvent = parseEvent(event);
  const msgID = eventMsgId(valid);
  const h = headers();
  h.set('Nats-Msg-Id', msgID);
  // W3C trace context: routing and each attempt continue the publisher's trace.
  if (options.traceparent) h.set('traceparent', options.traceparent);
  return js.publish(eventSubject(valid.teamId, valid.projectId, valid.event), JSON.stringify(valid), {
    headers: h,
    msgID,
  });
}
