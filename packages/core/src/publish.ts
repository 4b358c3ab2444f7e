import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { type HeraldEvent, parseEvent } from './events/envelope.js';
import { eventSubject } from './subjects.js';

/**
 * Validates an event, publishes it to `herald.events.<team>.<project>.<type>` with
 * `Nats-Msg-Id` set to its id (JetStream drops duplicates inside the dedup window) and
 * returns the stream's ack. Throws `InvalidEventError` before anything is sent.
 */
export async function publishEvent(js: JetStreamClient, event: unknown): Promise<PubAck> {
  const valid: HeraldEvent = parseEvent(event);
  const h = headers();
  h.set('Nats-Msg-Id', valid.id);
  return js.publish(eventSubject(valid.teamId, valid.projectId, valid.event), JSON.stringify(valid), {
    headers: h,
    msgID: valid.id,
  });
}
