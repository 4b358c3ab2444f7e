import { deliveryIdFor, partitionOf } from '@herald/core';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import type { ForgottenAcks } from '../nats/forgotten-acks.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AlertThrottle } from '../router/throttle.js';
import type { DeliveryLog, GivenBack } from '../store/delivery-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { Tracing } from '../tracing.js';
import type { ActorRegistry } from './actors.js';
import { DeliverySteps } from './delivery-steps.js';
import { HandOver, type HandOverSource } from './handover.js';
import type { HttpSender } from './http-sender.js';
import type { ControlJob, DeliveryJob, PartitionMessage } from './job.js';
import { Lanes } from './lanes.js';
import { OrderedFeeds } from './ordered-feeds.js';
import { ParkedStore } from './parked.js';
import { Partitions } from './partitions.js';

export { partitionConsumerName } from './partitions.js';

/** How often the parked deliveries of owned partitions are counted again. */
const PARKED_RESCAN_MS = 30_000;

export interface WorkerDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  config: HeraldConfig;
  integrations: IntegrationStore;
  providers: ProviderRegistry;
  actors: ActorRegistry;
  deliveryLog: DeliveryLog;
  sender: HttpSender;
  publisher: AckedPublisher;
  /** Which first deliveries of the partitions' stream may be repeats. */
  forgottenAcks: ForgottenAcks;
  /** Alert throttling of ordered queues, which read their events apart from the router. */
  throttle: Pick<AlertThrottle, 'admit'>;
  logger: Logger;
  metrics: Metrics;
  /** Spans of each attempt and log write (off: none). */
  tracing?: Tracing;
}

/**
 * Consumes owned partitions of the deliveries stream into the integrations' lanes, takes
 * the deliveries the router hands over for those partitions, and takes up what is parked
 * for them. Retries and waits are parked in JetStream, never a sleep in memory.
 */
export class DeliveryWorker {
  readonly #deps: WorkerDeps;
  /** The partitions worked here, their consumers started and stopped. */
  readonly #partitions: Partitions;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #rescan: NodeJS.Timeout;
  readonly #lanes: Lanes;
  readonly #parked: ParkedStore;
  readonly #handOver: HandOver;
  /** Ordered integrations' queues of the partitions worked here. */
  readonly #ordered: OrderedFeeds;
  #fence: () => void = () => undefined;
  /** Deliveries being given back (their note written, then nak). */
  readonly #givingBack = new Set<Promise<void>>();

  constructor(deps: WorkerDeps) {
    this.#deps = deps;
    this.#parked = new ParkedStore({
      jsm: deps.jsm,
      publisher: deps.publisher,
      partitions: deps.config.partitions,
    });
    this.#lanes = new Lanes({
      config: deps.config,
      integrations: deps.integrations,
      providers: deps.providers,
      actors: deps.actors,
      steps: new DeliverySteps(deps),
      beforeAttempts: () => this.#fence(),
      owns: (id) => this.#partitions.works(partitionOf(id, deps.config.partitions)),
      parked: this.#parked,
      logger: deps.logger,
      metrics: deps.metrics,
    });
    this.#handOver = new HandOver({
      lanes: this.#lanes,
      publisher: deps.publisher,
      partitions: deps.config.partitions,
      owns: (id) => this.#partitions.consumes(partitionOf(id, deps.config.partitions)),
    });
    this.#ordered = new OrderedFeeds({
      js: deps.js,
      jsm: deps.jsm,
      integrations: deps.integrations,
      lanes: this.#lanes,
      actors: deps.actors,
      deliveryLog: deps.deliveryLog,
      throttle: deps.throttle,
      logger: deps.logger,
      partitions: deps.config.partitions,
      ackWaitMs: deps.config.ackWaitMs,
      works: (id) => this.#partitions.works(partitionOf(id, deps.config.partitions)),
    });
    this.#partitions = new Partitions({
      js: deps.js,
      jsm: deps.jsm,
      config: deps.config,
      actors: deps.actors,
      lanes: this.#lanes,
      parked: this.#parked,
      logger: deps.logger,
      onMessage: (msg, partition) => this.#accept(msg, partition),
    });
    // Deliveries waiting in a lane are still JetStream's; tell it they are being worked on.
    this.#heartbeat = setInterval(() => this.#lanes.touchQueued(), deps.config.ackWaitMs / 3);
    this.#heartbeat.unref();
    this.#rescan = setInterval(() => void this.#rescanParked(), PARKED_RESCAN_MS);
    this.#rescan.unref();
  }

  /**
   * Runs `check` before attempts start, so a partition whose lease may have expired is
   * stopped even when a stalled event loop held back the lease manager's own timer.
   */
  fenceWith(check: () => void): void {
    this.#fence = check;
  }

  get partitions(): number[] {
    return [...this.#partitions.consumed];
  }

  /** The integrations whose ordered queue is worked here. */
  get orderedQueues(): string[] {
    return this.#ordered.worked;
  }

  /** See `Lanes.attemptsInFlight`. */
  get attemptsInFlight(): number {
    return this.#lanes.attemptsInFlight;
  }

  get pending(): number {
    return this.#lanes.pending;
  }

  /** Starts consuming one partition (idempotent), then its ordered queues. */
  async startPartition(partition: number): Promise<void> {
    await this.#partitions.start(partition);
    if (this.#partitions.works(partition)) this.#ordered.startPartition(partition);
  }

  /**
   * Stops working a partition: nothing more of it is attempted from the moment this is
   * called (a fenced partition relies on it), its waiting deliveries go back to JetStream
   * for the next owner, and its consumer closes (bounded: NATS may be unreachable).
   * With `attemptsWithinMs`, it returns once its attempts in flight are over, aborting
   * those still running then (0: at once); without, they finish and settle on their own.
   */
  async stopPartition(partition: number, attemptsWithinMs?: number): Promise<void> {
    const ordered = this.#ordered.stopPartition(partition);
    await Promise.all([this.#partitions.stop(partition, attemptsWithinMs), ordered]);
  }

  /** Stops pulling, lets attempts in flight finish (bounded), returns the rest to JetStream. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#handOver.stop();
    this.#lanes.hold();
    clearInterval(this.#heartbeat);
    clearInterval(this.#rescan);
    await this.#ordered.stop();
    await Promise.all([...this.#partitions.consumed].map((p) => this.stopPartition(p)));
    await this.#lanes.stop(graceMs);
    await Promise.allSettled([...this.#givingBack]);
  }

  /**
   * Takes up again what is parked for the owned partitions. A delivery parked by a runner
   * that lost the partition a moment before (its attempt finished after the move) lands
   * after the new owner counted: without this it would wait for that integration's next park.
   */
  async #rescanParked(): Promise<void> {
    for (const partition of this.#partitions.consumed) {
      try {
        this.#lanes.adopt(await this.#parked.counts(partition));
      } catch (err) {
        this.#deps.logger.warn({ partition, err: (err as Error).message }, 'cannot count parked deliveries');
      }
    }
  }

  /** See HandOver.take: the router's delivery, started here, or null. */
  direct(job: DeliveryJob, from: HandOverSource): Promise<void> | null {
    return this.#handOver.take(job, from);
  }

  /** True when this runner owns the integration's partition and its lane would park a new delivery at once. */
  parksNow(integrationId: string): boolean {
    return (
      this.#partitions.consumes(partitionOf(integrationId, this.#deps.config.partitions)) &&
      this.#lanes.parksNow(integrationId)
    );
  }

  /** The router parked a delivery for the integration: its lane counts it (Lanes.parkedBacklog). */
  parkedBacklog(integrationId: string): void {
    this.#lanes.parkedBacklog(integrationId);
  }

  /** See HandOver.room: the router's back-pressure. */
  directRoom(): Promise<boolean> | true {
    return this.#handOver.room();
  }

  /** An integration changed: its pace may have. */
  forgetPacer(integrationId: string): void {
    this.#lanes.forgetPacer(integrationId);
  }

  #accept(msg: JsMsg, partition: number): Promise<void> | undefined {
    // Pulled just before the partition stopped or was fenced.
    if (!this.#partitions.works(partition)) {
      msg.nak();
      return;
    }
    let message: PartitionMessage;
    try {
      message = msg.json<PartitionMessage>();
    } catch {
      this.#deps.logger.error({ subject: msg.subject }, 'unreadable delivery message; terminated');
      msg.term();
      return;
    }
    if (message.kind === 'control') {
      this.#lanes.track(this.#control(msg, message));
      return;
    }
    // Written by an earlier version, which retried through the partition.
    if (message.notBefore !== undefined && message.notBefore > Date.now()) {
      msg.nak(message.notBefore - Date.now());
      return;
    }
    const seq = msg.info.streamSequence;
    const key = `s${seq}`;
    if (this.#lanes.has(key)) return;
    const deliveryId = deliveryIdFor(message.event.id, message.integrationId);
    const deliveryCount = msg.info.deliveryCount;
    const heldBefore = deliveryCount > 1 || message.rerouted === true;
    this.#lanes.add({
      job: message,
      deliveryId,
      key,
      deliveryCount,
      mayRepeat: message.repeat === true || this.#deps.forgottenAcks.possible(seq),
      heldBefore,
      source: {
        ack: () => msg.ack(),
        // Held before, an earlier holder may have attempted it: its next holder must still ask.
        giveBack: () =>
          heldBefore
            ? msg.nak()
            : this.#giveBack(msg, message.integrationId, deliveryId, { key, deliveryCount }),
        // Left unacknowledged: JetStream redelivers it after the ack wait.
        abandon: () => undefined,
        working: () => msg.working(),
      },
    });
    // Back-pressure: with the lanes full, the consumer waits (what they hold can go soon).
    return this.#lanes.room() ?? undefined;
  }

  /**
   * Gives a message back unattempted. Its redelivery will look like one after a crash, so
   * a note says first that no attempt was made (one write per delivery given back, which
   * happens when a partition moves or the runner stops, never per attempt). If the note
   * cannot be written, the message goes back all the same: its next holder then records
   * that an attempt may have been made, which is the cautious error.
   */
  #giveBack(msg: JsMsg, integrationId: string, deliveryId: string, mark: GivenBack): void {
    const given = this.#deps.deliveryLog.markGivenBack(integrationId, deliveryId, mark).then(
      () => msg.nak(),
      (err: Error) => {
        this.#deps.logger.warn({ deliveryId, err: err.message }, 'cannot note a delivery given back');
        msg.nak();
      },
    );
    this.#givingBack.add(given);
    void given.finally(() => this.#givingBack.delete(given));
  }

  async #control(msg: JsMsg, job: ControlJob): Promise<void> {
    const { actors } = this.#deps;
    if (job.action === 'forget') await actors.forget(job.integrationId);
    else
      await actors.send(job.integrationId, {
        type: job.action === 'enable' ? 'integration.enable' : 'integration.disable',
        at: job.at,
        reason: job.reason,
      });
    msg.ack();
    this.#lanes.wake(job.integrationId);
  }
}
