import { EVENTS_PREFIX, EVENTS_STREAM, HeraldError, type Integration } from '@herald/core';
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { HeraldConfig } from '../config/config.js';
import { inject, injectable } from '../injection.js';
import { ensureConsumer } from '../nats/consumers.js';
import { TOKENS } from '../tokens.js';

/**
 * One event of an ordered queue is handed out at a time: the head. Its retry is a nak with
 * a delay, so JetStream hands out nothing behind it until it is acknowledged — by whichever
 * runner owns the integration's partition, in the events stream's order.
 */
export const ORDERED_MAX_ACK_PENDING = 1;

/** The durable consumer on HERALD_EVENTS that is an ordered integration's queue. */
export function orderedConsumerName(integrationId: string): string {
  return `herald-ordered-${integrationId}`;
}

/**
 * The queue's consumer: the team's events from its creation on (`DeliverPolicy.New`), one
 * unacknowledged at a time. Every event of the team passes through it (those the integration
 * does not take are acknowledged at once); its position is the queue's cursor.
 */
export function orderedConsumerConfig(
  integration: Pick<Integration, 'id' | 'teamId'>,
  ackWaitMs: number,
): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: orderedConsumerName(integration.id),
    filter_subject: `${EVENTS_PREFIX}.${integration.teamId}.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: ackWaitMs * 1_000_000,
    max_ack_pending: ORDERED_MAX_ACK_PENDING,
    max_deliver: -1,
  };
}

/** The ordered queue could not be opened (NATS unavailable): nothing was saved. */
export class OrderedQueueError extends HeraldError {
  constructor(integrationId: string, cause: unknown) {
    super('ordered_queue_unavailable', `cannot open the ordered queue of ${integrationId}; try again`, {
      cause,
    });
    this.name = 'OrderedQueueError';
  }
}

/**
 * Opens and closes ordered integrations' queues for the API: a queue is opened before the
 * integration is saved as ordered (so it holds every event the routers leave to it), and
 * closed when the integration is deleted. A switched-off queue is closed by its partition's
 * owner once drained (ordered-feeds.ts).
 */
@injectable()
export class OrderedQueues {
  readonly #jsm: JetStreamManager;
  readonly #ackWaitMs: number;

  constructor(@inject(TOKENS.jsm) jsm: JetStreamManager, @inject(TOKENS.config) config: HeraldConfig) {
    this.#jsm = jsm;
    this.#ackWaitMs = config.ackWaitMs;
  }

  /** Creates the integration's queue if it has none (its events from now on). */
  async open(integration: Pick<Integration, 'id' | 'teamId'>): Promise<void> {
    try {
      await ensureConsumer(this.#jsm, EVENTS_STREAM, orderedConsumerConfig(integration, this.#ackWaitMs));
    } catch (err) {
      throw new OrderedQueueError(integration.id, err);
    }
  }

  /** Deletes the integration's queue; none is fine. */
  async close(integrationId: string): Promise<void> {
    await closeOrderedQueue(this.#jsm, integrationId);
  }
}

/** Deletes an ordered queue's consumer, if there is one. */
export async function closeOrderedQueue(jsm: JetStreamManager, integrationId: string): Promise<void> {
  try {
    await jsm.consumers.delete(EVENTS_STREAM, orderedConsumerName(integrationId));
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) return;
    throw err;
  }
}
