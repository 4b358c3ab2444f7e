import {
  deliveryIdFor,
  EVENTS_STREAM,
  type Integration,
  isAlertType,
  isDirectEventType,
  isOrderedAt,
  mismatchOf,
  parseEventSubject,
  patternMatches,
  TEAM_SCOPE,
} from '@herald/core';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { consumeResuming, type ResumingConsumer } from '../nats/consumers.js';
import type { AlertThrottle } from '../router/throttle.js';
import { validateEventMessage } from '../router/validate.js';
import type { DeliveryLog } from '../store/delivery-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { ActorRegistry } from './actors.js';
import type { Item } from './item.js';
import type { DeliveryJob } from './job.js';
import { isDisabled } from './lane-policy.js';
import type { Lanes } from './lanes.js';
import { orderedConsumerName } from './ordered-queue.js';

/**
 * A head waiting for its retry is handed out again at least this often: it then looks at its
 * record again (a resend may have settled it, its integration may have been disabled).
 */
export const ORDERED_RECHECK_MS = 30_000;
/** A head that could not be settled (the log cannot be written) is tried again after this. */
const ABANDONED_RETRY_MS = 1_000;
/** With the lanes full (HERALD_MAX_QUEUED), the next event is taken again after this. */
const NO_ROOM_RETRY_MS = 1_000;

/** What one ordered queue's feed uses. */
export interface OrderedFeedDeps {
  js: JetStreamClient;
  integrations: Pick<IntegrationStore, 'byId'>;
  lanes: Pick<Lanes, 'add' | 'has' | 'room'>;
  actors: Pick<ActorRegistry, 'peek'>;
  deliveryLog: Pick<DeliveryLog, 'currentRecord' | 'markGivenBack'>;
  throttle: Pick<AlertThrottle, 'admit'>;
  logger: Logger;
  /** Whether this runner works the integration's partition now. */
  works(integrationId: string): boolean;
  /** A switched-off queue reached events the routers deliver: it can be closed. */
  drained(integrationId: string): void;
  /** The integration is gone: its queue can be closed. */
  gone(integrationId: string): void;
}

/** Whether the event, named by its subject, can concern the integration at all (no payload parsed). */
function mayConcern(integration: Integration, subject: string): boolean {
  const { projectId, type } = parseEventSubject(subject);
  if (!integration.events.some((p) => patternMatches(p, type))) return false;
  return (
    integration.projects === null || projectId === TEAM_SCOPE || integration.projects.includes(projectId)
  );
}

/**
 * One ordered integration's queue as its partition's owner works it: its consumer on
 * HERALD_EVENTS hands out one event at a time, in the stream's order. An event the
 * integration does not take is acknowledged at once; one it takes becomes the lane's head,
 * and JetStream hands out nothing behind it until it is settled — acknowledged when done
 * (succeeded, failed for good, skipped), nakked with its retry's delay when retrying. The
 * backlog behind it stays in the events stream: nothing of it in memory or an ack window.
 */
export class OrderedFeed {
  readonly integrationId: string;
  readonly #deps: OrderedFeedDeps;
  #consumer: ResumingConsumer | null = null;

  constructor(integrationId: string, deps: OrderedFeedDeps) {
    this.integrationId = integrationId;
    this.#deps = deps;
  }

  /** Starts pulling the queue's consumer (it exists: see OrderedQueues.open). */
  async start(): Promise<void> {
    this.#consumer = await consumeResuming(
      this.#deps.js,
      EVENTS_STREAM,
      orderedConsumerName(this.integrationId),
      {
        maxMessages: 1,
        onMessage: (msg) => this.#accept(msg),
        logger: this.#deps.logger,
        label: { ordered: this.integrationId },
      },
    );
  }

  /** Stops pulling (bounded by the caller); a head held in a lane is given back by the lanes. */
  async close(): Promise<void> {
    await this.#consumer?.close();
    this.#consumer = null;
  }

  async #accept(msg: JsMsg): Promise<void> {
    try {
      await this.#take(msg);
    } catch (err) {
      this.#deps.logger.warn(
        { integrationId: this.integrationId, err: (err as Error).message },
        'cannot take the ordered queue’s next event yet; retrying',
      );
      msg.nak(ABANDONED_RETRY_MS);
    }
  }

  async #take(msg: JsMsg): Promise<void> {
    const id = this.integrationId;
    if (!this.#deps.works(id)) {
      msg.nak();
      return;
    }
    // The lanes' bound holds for heads too: taken again once there is room.
    if (this.#deps.lanes.room() !== null) {
      msg.nak(NO_ROOM_RETRY_MS);
      return;
    }
    const integration = this.#deps.integrations.byId(id);
    if (!integration) {
      msg.ack();
      this.#deps.gone(id);
      return;
    }
    const publishedAt = Math.floor(msg.info.timestampNanos / 1_000_000);
    if (!isOrderedAt(integration, publishedAt)) {
      msg.ack();
      // Past a switch-off's grace: the routers deliver the rest.
      const until = integration.orderedUntil;
      if (!integration.ordered && until !== null && publishedAt >= Date.parse(until)) this.#deps.drained(id);
      return;
    }
    let skip: boolean;
    try {
      skip = !mayConcern(integration, msg.subject);
    } catch {
      skip = true; // not an event subject: the router dead-letters it
    }
    if (skip) {
      msg.ack();
      return;
    }
    let event: ReturnType<typeof validateEventMessage>;
    try {
      event = validateEventMessage(msg.subject, msg.data);
    } catch {
      msg.ack(); // invalid: the router dead-letters it
      return;
    }
    const deliveryId = deliveryIdFor(event.id, id);
    const mismatch = isDirectEventType(event.event) ? 'event-type' : mismatchOf(integration, event);
    // A head that was under way when a user disabled it goes on to its lane, to be recorded
    // skipped (as a parked retry is); events published while disabled are not delivered.
    if (mismatch !== null && !(mismatch === 'disabled' && (await this.#underWay(deliveryId)))) {
      msg.ack();
      return;
    }
    if (isAlertType(event.event) && !(await this.#deps.throttle.admit(event, publishedAt, id))) {
      msg.ack();
      return;
    }
    // Looked up whatever the delivery count says: nats-server 2.9 does not always count a
    // redelivery after a nak, and a head handed out before its retry time must wait again.
    const wait = await this.#retryWait(deliveryId);
    if (wait > 0) {
      msg.nak(Math.min(wait, ORDERED_RECHECK_MS));
      return;
    }
    const job: DeliveryJob = {
      kind: 'delivery',
      integrationId: id,
      teamId: integration.teamId,
      event,
      trigger: 'scheduled',
      routedAt: new Date().toISOString(),
      publishedAt,
      repeat: msg.info.deliveryCount > 1 || undefined,
    };
    // Handed out again while its lane still holds it (its ack wait ran out): that one goes on.
    if (this.#deps.lanes.has(`o${deliveryId}`)) return;
    this.#deps.lanes.add(this.#item(msg, job, deliveryId));
  }

  /** Whether the delivery has a record that is not finished (it was attempted, or its attempt began). */
  async #underWay(deliveryId: string): Promise<boolean> {
    const record = await this.#deps.deliveryLog.currentRecord(this.integrationId, deliveryId);
    return record?.status === 'retrying' || record?.status === 'pending';
  }

  /** How long a head handed out again must still wait for its retry (0: due now, or skipped now). */
  async #retryWait(deliveryId: string): Promise<number> {
    const snapshot = this.#deps.actors.peek(this.integrationId);
    if (snapshot && isDisabled(snapshot)) return 0;
    const record = await this.#deps.deliveryLog.currentRecord(this.integrationId, deliveryId);
    if (record?.status !== 'retrying' || record.nextAttemptAt === null) return 0;
    return Date.parse(record.nextAttemptAt) - Date.now();
  }

  #item(msg: JsMsg, job: DeliveryJob, deliveryId: string): Item {
    const key = `o${deliveryId}`; // as looked up in #take
    const deliveryCount = msg.info.deliveryCount;
    return {
      job,
      deliveryId,
      key,
      deliveryCount,
      // Always looked up: a switch of `ordered` or a redelivery may have done it already.
      mayRepeat: true,
      // Handed out before (a crash, a move, its own retry): its record tells which.
      heldBefore: deliveryCount > 1,
      source: {
        ack: () => msg.ack(),
        giveBack: () => this.#giveBack(msg, deliveryId, key, deliveryCount),
        abandon: () => msg.nak(ABANDONED_RETRY_MS),
        working: () => msg.working(),
        holdUntil: (notBefore) => msg.nak(Math.max(0, Math.min(notBefore - Date.now(), ORDERED_RECHECK_MS))),
      },
    };
  }

  /** Not attempted here (partition moved, stopping): a note says so, then the next owner gets it at once. */
  #giveBack(msg: JsMsg, deliveryId: string, key: string, deliveryCount: number): void {
    void this.#deps.deliveryLog
      .markGivenBack(this.integrationId, deliveryId, { key, deliveryCount })
      .catch((err: Error) =>
        this.#deps.logger.warn({ deliveryId, err: err.message }, 'cannot note a delivery given back'),
      )
      .finally(() => msg.nak());
  }
}
