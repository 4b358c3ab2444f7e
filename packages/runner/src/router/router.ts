import {
  DLQ_ERROR_HEADER,
  DLQ_SOURCE_SUBJECT_HEADER,
  deliverySubject,
  dlqSubject,
  EVENTS_STREAM,
  type HeraldEvent,
  InvalidEventError,
  isAlertType,
  isDirectEventType,
  isOrderedAt,
  mayBeOrdered,
  parkedSubject,
} from '@herald/core';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { DeliveryJob } from '../delivery/job.js';
import type { Metrics } from '../metrics.js';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import { consumeResuming, ensureConsumer, type ResumingConsumer } from '../nats/consumers.js';
import type { ForgottenAcks } from '../nats/forgotten-acks.js';
import type { EventLog } from '../store/event-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import { type Span, TRACEPARENT, type Tracing } from '../tracing.js';
import { rejectedRecord, routedRecord, teamOfSubject } from './event-record.js';
import { type Matched, matchTeam } from './match.js';
import type { AlertThrottle } from './throttle.js';
import { validateEventMessage } from './validate.js';

export const ROUTER_CONSUMER = 'herald-router';
const ROUTER_MAX_ACK_PENDING = 3_000;
const ROUTER_MAX_PARALLEL = 64;
const NOTHING_MATCHED: Matched<never> = { targets: [], skipped: {}, skippedCount: 0 };

export interface RouterDeps {
  js: JetStreamClient;
  publisher: AckedPublisher;
  /** Which first deliveries of the events stream may be repeats. */
  forgottenAcks: ForgottenAcks;
  /** Hands a delivery to this runner's worker when it can start it at once (DeliveryWorker.direct). */
  direct: (
    job: DeliveryJob,
    from: { deliveryCount: number; mayRepeat: boolean; working: () => void },
  ) => Promise<void> | null;
  /** Whether the worker takes this event's deliveries (DeliveryWorker.directRoom; true: at once). */
  directRoom: () => Promise<boolean> | true;
  /** True when this runner would park the integration's next delivery on arrival (DeliveryWorker.parksNow). */
  parksNow: (integrationId: string) => boolean;
  /** The router parked a delivery for the integration (DeliveryWorker.parkedBacklog). */
  parkedBacklog: (integrationId: string) => void;
  jsm: JetStreamManager;
  integrations: Pick<IntegrationStore, 'ofTeam'>;
  /** Where each event's fate is recorded: a team's records of a moment share one write (KvEventLog). */
  eventLog: Pick<EventLog, 'record'>;
  throttle: AlertThrottle;
  partitions: number;
  ackWaitMs: number;
  log: Logger;
  metrics: Metrics;
  /** A span per routed event, continuing the publisher's trace (off: none). */
  tracing?: Tracing;
}

/**
 * Validates each event, dead-letters invalid ones, matches the rest against the team's
 * integrations and makes one delivery per match: handed straight to this runner's
 * worker when it owns the integration's partition and can start it at once, else
 * published to the partition. An event is acked only after every delivery publish is
 * acked and every delivery handed over is settled; a crash in between re-routes it,
 * JetStream's dedup (`Nats-Msg-Id` = `<eventId>:<integrationId>`) drops repeated
 * publishes, and a delivery's record tells a re-routed delivery that was done.
 *
 * Each event's record in the events log (what became of it) joins the ack's conditions and
 * is never awaited by routing: an event is acked only once its record is stored (batched
 * with its team's other records of the moment). Listing entries follow, coalesced
 * (LogIndex); a crash between the two leaves records unlisted, which costs rows, not
 * deliveries.
 */
export class Router {
  readonly #deps: RouterDeps;
  #consumer: ResumingConsumer | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  // Events whose handed-over deliveries are still under way (acked when they settle).
  readonly #settling = new Set<Promise<void>>();

  constructor(deps: RouterDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { jsm } = this.#deps;
    await ensureConsumer(jsm, EVENTS_STREAM, {
      durable_name: ROUTER_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.#deps.ackWaitMs * 1_000_000,
      max_ack_pending: ROUTER_MAX_ACK_PENDING,
      max_deliver: -1,
    });
    this.#consumer = await consumeResuming(this.#deps.js, EVENTS_STREAM, ROUTER_CONSUMER, {
      maxMessages: ROUTER_MAX_PARALLEL * 2,
      onMessage: (msg) => this.#accept(msg),
      logger: this.#deps.log,
      label: { consumer: ROUTER_CONSUMER },
    });
  }

  get running(): boolean {
    return this.#consumer !== null;
  }

  /** Routes one event, at most ROUTER_MAX_PARALLEL at once (pulling waits beyond that). */
  async #accept(msg: JsMsg): Promise<void> {
    const task = this.#route(msg).catch((err: unknown) => {
      // Not the event's fault (NATS unavailable): let JetStream redeliver it.
      this.#deps.log.warn(
        { err: (err as Error).message, subject: msg.subject },
        'routing failed; will retry',
      );
      msg.nak(1_000);
    });
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
    if (this.#inFlight.size >= ROUTER_MAX_PARALLEL) await Promise.race(this.#inFlight);
  }

  /** Stops pulling and waits for events being routed (not for deliveries handed over: see `settled`). */
  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = null;
    await consumer?.close();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Waits until every event whose deliveries were handed over is acked or nakked (after the worker stopped). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#settling]);
  }

  async #route(msg: JsMsg): Promise<void> {
    let event: HeraldEvent;
    try {
      event = validateEventMessage(msg.subject, msg.data);
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      await this.#deadLetter(msg, err);
      return;
    }
    const { integrations, throttle, publisher, partitions, metrics, direct, directRoom } = this.#deps;
    // A test or a confirmation belongs to the one integration it was sent to, not to subscribers.
    const matched = isDirectEventType(event.event)
      ? NOTHING_MATCHED
      : matchTeam(integrations.ofTeam(event.teamId), event);
    let targets = matched.targets;
    let throttledBy: { minIntervalSeconds: number } | null = null;
    if (targets.length > 0 && isAlertType(event.event) && !(await throttle.admit(event))) {
      metrics.eventsThrottled.inc();
      // Read by `admit` a moment ago: from its cache.
      throttledBy = { minIntervalSeconds: (await throttle.settings(event.teamId)).minIntervalSeconds };
      targets = [];
    }
    const span = this.#deps.tracing?.enabled ? this.#startSpan(msg, event, targets.length) : null;
    const traceparent = span ? this.#deps.tracing!.traceparentOf(span) : undefined;
    const routedAt = new Date().toISOString();
    const publishedAt = msg.info.timestampNanos
      ? Math.floor(msg.info.timestampNanos / 1_000_000)
      : Date.now();
    // Its team's batch of records: one promise for all of them, stored within BATCH_WINDOW_MS.
    const recorded = this.#deps.eventLog.record(
      routedRecord(event, { matched, throttledBy, routedAt, receivedAtMs: publishedAt }),
    );
    const from = {
      deliveryCount: msg.info.deliveryCount,
      mayRepeat: this.#deps.forgottenAcks.possible(msg.info.streamSequence),
      working: () => msg.working(),
    };
    const repeat = from.deliveryCount > 1 || from.mayRepeat;
    const handedOver: Promise<void>[] = [];
    // Back-pressure: at HELD_CAP, wait for room before handing this event's deliveries over.
    const room = targets.length > 0 ? directRoom() : false;
    const handOver = room === true || (room !== false && (await room));
    // Each publish resolves to its error or null: none may reject unheard while the loop waits.
    const published: Promise<Error | null>[] = [];
    for (const integration of targets) {
      // Its ordered queue reads the event from the events stream itself (ordered-feed.ts).
      if (mayBeOrdered(integration) && isOrderedAt(integration, publishedAt)) continue;
      const job: DeliveryJob = {
        kind: 'delivery',
        integrationId: integration.id,
        teamId: integration.teamId,
        event,
        trigger: 'scheduled',
        routedAt,
        publishedAt,
      };
      if (traceparent) job.traceparent = traceparent;
      const settled = handOver ? direct(job, from) : null;
      if (settled) {
        handedOver.push(settled);
        continue;
      }
      // Its lane would park it on arrival (a broken endpoint's backlog): park it here, one
      // write instead of a partition publish, a delivery, a park and an ack.
      if (this.#deps.parksNow(integration.id)) {
        job.repeat = true;
        published.push(
          publisher
            // No Nats-Msg-Id, as for every park (ParkedStore.park says why).
            .publish(parkedSubject(integration.id, partitions, 0), JSON.stringify(job))
            .then(
              () => {
                this.#deps.parkedBacklog(integration.id);
                return null;
              },
              (err: Error) => err,
            ),
        );
        continue;
      }
      if (repeat) job.repeat = true;
      // Routed before and not acknowledged: a runner that stopped may have had it handed over.
      if (from.deliveryCount > 1) job.rerouted = true;
      published.push(
        publisher
          .publish(deliverySubject(integration.id, partitions), JSON.stringify(job), {
            msgId: `${event.id}:${integration.id}`,
          })
          .then(
            () => null,
            (err: Error) => err,
          ),
      );
    }
    const failed =
      published.length > 0 ? ((await Promise.all(published)).find((err) => err !== null) ?? null) : null;
    span?.setAttribute('herald.publish_failed', failed !== null);
    span?.end();
    metrics.eventsRouted.inc();
    metrics.deliveriesCreated.inc(targets.length);
    if (handedOver.length > 0) metrics.deliveriesHandedOver.inc(handedOver.length);
    if (failed && handedOver.length === 0) throw failed;
    // Never ack while a delivery is unpublished or the record unstored: the event must come
    // back for it. With deliveries handed over, it comes back once they are settled (their
    // records then tell the re-routed event they are done). The record's batch is written
    // within BATCH_WINDOW_MS: the ack waits for it, routing does not.
    this.#settleWhenDone(msg, [...handedOver, recorded], failed);
  }

  /**
   * Once the handed-over deliveries and the record are settled: acks the event, or naks it (redelivered,
   * re-routed) when a publish failed, a delivery could not be settled or the record not stored.
   */
  #settleWhenDone(msg: JsMsg, waits: Promise<unknown>[], failed: Error | null): void {
    const reroute = (err: Error) => {
      this.#deps.log.warn(
        { err: err.message, subject: msg.subject },
        "a delivery or the event's record is not settled; re-routing the event",
      );
      msg.nak(1_000);
    };
    const settled = waits.length === 1 ? waits[0]! : Promise.all(waits);
    const task = settled.then(() => (failed ? reroute(failed) : msg.ack()), reroute);
    this.#settling.add(task);
    void task.finally(() => this.#settling.delete(task));
  }

  /** The routing span, a child of the publisher's span when the event carries a traceparent. */
  #startSpan(msg: JsMsg, event: HeraldEvent, deliveries: number): Span {
    return this.#deps.tracing!.start('herald.route', msg.headers?.get(TRACEPARENT) || undefined, {
      'herald.event.id': event.id,
      'herald.event.type': event.event,
      'herald.team.id': event.teamId,
      'herald.deliveries': deliveries,
    });
  }

  async #deadLetter(msg: JsMsg, err: InvalidEventError): Promise<void> {
    const h = headers();
    h.set(DLQ_ERROR_HEADER, err.message.replace(/[\r\n]+/g, ' ').slice(0, 4_000));
    h.set(DLQ_SOURCE_SUBJECT_HEADER, msg.subject);
    // For the events log of the team the subject names; a subject that names none has no reader.
    const teamId = teamOfSubject(msg.subject);
    const recorded = teamId
      ? this.#deps.eventLog.record(
          rejectedRecord(
            teamId,
            {
              subject: msg.subject,
              data: msg.data,
              seq: msg.info.streamSequence,
              receivedAtMs: msg.info.timestampNanos
                ? Math.floor(msg.info.timestampNanos / 1_000_000)
                : Date.now(),
            },
            err,
          ),
        )
      : null;
    const ack = await this.#deps.js.publish(dlqSubject(err.reason), msg.data, {
      headers: h,
      msgID: `dlq:${msg.info.streamSequence}`,
    });
    // Counted once it is in the DLQ (not again when a redelivery's publish is a duplicate).
    if (!ack.duplicate) {
      this.#deps.metrics.eventsDeadLettered.inc({ reason: err.reason });
      this.#deps.log.warn(
        { reason: err.reason, subject: msg.subject, seq: msg.info.streamSequence },
        'event dead-lettered',
      );
    }
    // Not recorded: the message comes back, is dead-lettered again (deduplicated) and recorded.
    await recorded;
    msg.ack();
  }
}
