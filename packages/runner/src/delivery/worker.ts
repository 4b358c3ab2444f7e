import { DELIVERIES_PREFIX, DELIVERIES_STREAM, deliveryIdFor, partitionOf } from '@herald/core';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import type { Metrics } from '../metrics.js';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import { consumeResuming, ensureConsumer, type ResumingConsumer } from '../nats/consumers.js';
import type { ForgottenAcks } from '../nats/forgotten-acks.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { settledWithin } from '../settled-within.js';
import type { DeliveryLog, GivenBack } from '../store/delivery-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { Tracing } from '../tracing.js';
import type { ActorRegistry } from './actors.js';
import { DeliverySteps } from './delivery-steps.js';
import { HandOver, type HandOverSource } from './handover.js';
import type { HttpSender } from './http-sender.js';
import type { ControlJob, DeliveryJob, PartitionMessage } from './job.js';
import { Lanes } from './lanes.js';
import { ParkedStore } from './parked.js';

/**
 * A partition's deliveries handed out and not yet acknowledged: more than the lanes ever
 * hold (`maxQueued` in memory or being parked, attempts in flight, a pull batch), so a
 * broken endpoint's backlog, which is parked, never fills it.
 */
function maxAckPending(config: HeraldConfig): number {
  return config.maxQueued + 4 * config.maxInFlight + 2 * PULL_BATCH;
}
const PULL_BATCH = 256;
/** A partition's consumer closing with NATS unreachable is not waited for longer. */
const CONSUMER_CLOSE_TIMEOUT_MS = 2_000;
/** How often the parked deliveries of owned partitions are counted again. */
const PARKED_RESCAN_MS = 30_000;

export function partitionConsumerName(partition: number): string {
  return `herald-deliveries-${partition}`;
}

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
  readonly #consumers = new Map<number, ResumingConsumer>();
  /** Partitions being worked here: a message of any other is given back at once. */
  readonly #owned = new Map<number, symbol>();
  readonly #partitionStops = new Map<number, Promise<void>>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #rescan: NodeJS.Timeout;
  readonly #lanes: Lanes;
  readonly #parked: ParkedStore;
  readonly #handOver: HandOver;
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
      owns: (id) => this.#owned.has(partitionOf(id, deps.config.partitions)),
      parked: this.#parked,
      logger: deps.logger,
      metrics: deps.metrics,
    });
    this.#handOver = new HandOver({
      lanes: this.#lanes,
      publisher: deps.publisher,
      partitions: deps.config.partitions,
      owns: (id) => this.#consumers.has(partitionOf(id, deps.config.partitions)),
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
    return [...this.#consumers.keys()];
  }

  /** See `Lanes.attemptsInFlight`. */
  get attemptsInFlight(): number {
    return this.#lanes.attemptsInFlight;
  }

  get pending(): number {
    return this.#lanes.pending;
  }

  /** Starts consuming one partition (idempotent). */
  async startPartition(partition: number): Promise<void> {
    // A stop still running would nak what the new consumer is about to receive.
    await this.#partitionStops.get(partition);
    if (this.#owned.has(partition)) return; // started, or starting
    // A stop while this runs (the lease fenced) ends it: nothing is taken up after that.
    const token = Symbol(`partition ${partition}`);
    this.#owned.set(partition, token);
    const wanted = () => this.#owned.get(partition) === token;
    const name = partitionConsumerName(partition);
    const { jsm, js } = this.#deps;
    // Which step failed is in the error: on a cluster that is electing, each waits on a
    // different leader (the consumer's, the parked stream's).
    let step = 'reading or creating its consumer';
    try {
      await ensureConsumer(jsm, DELIVERIES_STREAM, {
        durable_name: name,
        filter_subject: `${DELIVERIES_PREFIX}.${partition}.*`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: this.#deps.config.ackWaitMs * 1_000_000,
        max_ack_pending: maxAckPending(this.#deps.config),
        max_deliver: -1,
      });
      // What earlier owners parked for this partition's integrations.
      step = 'counting what is parked for it';
      const parked = await this.#parked.counts(partition);
      if (!wanted()) return;
      this.#lanes.adopt(parked);
      step = 'starting to pull';
      const consumer = await consumeResuming(js, DELIVERIES_STREAM, name, {
        maxMessages: PULL_BATCH,
        onMessage: (msg) => this.#accept(msg, partition),
        logger: this.#deps.logger,
        label: { partition },
      });
      if (!wanted()) {
        await settledWithin(consumer.close(), CONSUMER_CLOSE_TIMEOUT_MS);
        return;
      }
      this.#consumers.set(partition, consumer);
    } catch (err) {
      if (wanted()) this.#owned.delete(partition);
      throw new Error(`${step}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Stops working a partition: nothing more of it is attempted from the moment this is
   * called (a fenced partition relies on it), its waiting deliveries go back to JetStream
   * for the next owner, and its consumer closes (bounded: NATS may be unreachable).
   * With `attemptsWithinMs`, it returns once its attempts in flight are over, aborting
   * those still running then (0: at once); without, they finish and settle on their own.
   */
  async stopPartition(partition: number, attemptsWithinMs?: number): Promise<void> {
    const consumer = this.#consumers.get(partition);
    if (!consumer && !this.#owned.has(partition)) return;
    this.#consumers.delete(partition);
    this.#owned.delete(partition);
    const inPartition = (id: string) => partitionOf(id, this.#deps.config.partitions) === partition;
    // Its integrations' actors now live with the partition's next owner.
    this.#deps.actors.release(inPartition);
    this.#lanes.release(inPartition);
    const ending =
      attemptsWithinMs === undefined
        ? Promise.resolve()
        : this.#lanes.endAttempts(inPartition, attemptsWithinMs);
    const stopping = Promise.all([
      ending,
      consumer ? settledWithin(consumer.close(), CONSUMER_CLOSE_TIMEOUT_MS) : null,
    ]).then(() => undefined);
    this.#partitionStops.set(partition, stopping);
    try {
      await stopping;
    } finally {
      if (this.#partitionStops.get(partition) === stopping) this.#partitionStops.delete(partition);
    }
  }

  /** Stops pulling, lets attempts in flight finish (bounded), returns the rest to JetStream. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#handOver.stop();
    this.#lanes.hold();
    clearInterval(this.#heartbeat);
    clearInterval(this.#rescan);
    await Promise.all([...this.#consumers.keys()].map((p) => this.stopPartition(p)));
    await this.#lanes.stop(graceMs);
    await Promise.allSettled([...this.#givingBack]);
  }

  /**
   * Takes up again what is parked for the owned partitions. A delivery parked by a runner
   * that lost the partition a moment before (its attempt finished after the move) lands
   * after the new owner counted: without this it would wait for that integration's next park.
   */
  async #rescanParked(): Promise<void> {
    for (const partition of this.#consumers.keys()) {
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
      this.#consumers.has(partitionOf(integrationId, this.#deps.config.partitions)) &&
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
    if (!this.#owned.has(partition)) {
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
