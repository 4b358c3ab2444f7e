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
import type { Metrics } from '../http/metrics.js';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import { consumeResuming, ensureConsumer, type ResumingConsumer } from '../nats/consumers.js';
import type { ForgottenAcks } from '../nats/forgotten-acks.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { DeliveryLog } from '../store/delivery-records.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { ActorRegistry } from './actors.js';
import { HandOver, type HandOverSource } from './handover.js';
import type { HttpSender } from './http-sender.js';
import type { ControlJob, DeliveryJob, PartitionMessage } from './job.js';
import { Lanes } from './lanes.js';

const MAX_ACK_PENDING = 20_000;
/** Deliveries held in memory per integration; more wait in JetStream. */
const LANE_QUEUE_CAP = 1_000;

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
}

/**
 * Consumes owned partitions of the deliveries stream into the integrations' lanes, and
 * takes the deliveries the router hands over for those partitions. Retries are
 * `nak(delay)` (or, for a handed-over delivery, a publish to its partition), never a
 * sleep in memory.
 */
export class DeliveryWorker {
  readonly #deps: WorkerDeps;
  readonly #consumers = new Map<number, ResumingConsumer>();
  readonly #partitionStops = new Map<number, Promise<void>>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #lanes: Lanes;
  readonly #handOver: HandOver;

  constructor(deps: WorkerDeps) {
    this.#deps = deps;
    this.#lanes = new Lanes(deps);
    this.#handOver = new HandOver({
      lanes: this.#lanes,
      actors: deps.actors,
      publisher: deps.publisher,
      partitions: deps.config.partitions,
      owns: (id) => this.#consumers.has(partitionOf(id, deps.config.partitions)),
    });
    // Deliveries waiting in a lane are still JetStream's; tell it they are being worked on.
    this.#heartbeat = setInterval(() => this.#lanes.touchQueued(), deps.config.ackWaitMs / 3);
    this.#heartbeat.unref();
  }

  get partitions(): number[] {
    return [...this.#consumers.keys()];
  }

  get pending(): number {
    return this.#lanes.pending;
  }

  /** Starts consuming one partition (idempotent). */
  async startPartition(partition: number): Promise<void> {
    // A stop still running would nak what the new consumer is about to receive.
    await this.#partitionStops.get(partition);
    if (this.#consumers.has(partition)) return;
    const name = partitionConsumerName(partition);
    const { jsm, js } = this.#deps;
    await ensureConsumer(jsm, DELIVERIES_STREAM, {
      durable_name: name,
      filter_subject: `${DELIVERIES_PREFIX}.${partition}.*`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.#deps.config.ackWaitMs * 1_000_000,
      max_ack_pending: MAX_ACK_PENDING,
      max_deliver: -1,
    });
    const consumer = await consumeResuming(js, DELIVERIES_STREAM, name, {
      maxMessages: 256,
      onMessage: (msg) => this.#accept(msg),
      logger: this.#deps.logger,
      label: { partition },
    });
    this.#consumers.set(partition, consumer);
  }

  /** Stops consuming a partition; its waiting deliveries go back to JetStream for the next owner. */
  async stopPartition(partition: number): Promise<void> {
    const consumer = this.#consumers.get(partition);
    if (!consumer) return;
    this.#consumers.delete(partition);
    const stopping = this.#stopPartitionNow(partition, consumer);
    this.#partitionStops.set(partition, stopping);
    try {
      await stopping;
    } finally {
      if (this.#partitionStops.get(partition) === stopping) this.#partitionStops.delete(partition);
    }
  }

  async #stopPartitionNow(partition: number, consumer: ResumingConsumer): Promise<void> {
    await consumer.close();
    const inPartition = (id: string) => partitionOf(id, this.#deps.config.partitions) === partition;
    // Its integrations' actors now live with the partition's next owner.
    this.#deps.actors.release(inPartition);
    this.#lanes.giveBack((item) => inPartition(item.job.integrationId));
  }

  /** Stops pulling, lets attempts in flight finish (bounded), returns the rest to JetStream. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#handOver.stop();
    this.#lanes.hold();
    clearInterval(this.#heartbeat);
    await Promise.all([...this.#consumers.keys()].map((p) => this.stopPartition(p)));
    await this.#lanes.stop(graceMs);
  }

  /** See HandOver.take: the router's delivery, started here, or null. */
  direct(job: DeliveryJob, from: HandOverSource): Promise<void> | null {
    return this.#handOver.take(job, from);
  }

  /** See HandOver.room: the router's back-pressure. */
  directRoom(): Promise<boolean> | true {
    return this.#handOver.room();
  }

  /** An integration changed: its pace may have. */
  forgetPacer(integrationId: string): void {
    this.#lanes.forgetPacer(integrationId);
  }

  #accept(msg: JsMsg): void {
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
    if (message.notBefore !== undefined && message.notBefore > Date.now()) {
      msg.nak(message.notBefore - Date.now());
      return;
    }
    const seq = msg.info.streamSequence;
    const key = `s${seq}`;
    if (this.#lanes.has(key)) return;
    const queued = this.#lanes.queued(message.integrationId);
    if (queued >= LANE_QUEUE_CAP) {
      // Let JetStream hold the backlog; come back about when the lane will have room.
      msg.nak(Math.min(60_000, 1_000 + queued * 20));
      return;
    }
    this.#lanes.add({
      job: message,
      deliveryId: deliveryIdFor(message.event.id, message.integrationId),
      key,
      deliveryCount: msg.info.deliveryCount,
      mayRepeat: message.repeat === true || this.#deps.forgottenAcks.possible(seq),
      ack: () => msg.ack(),
      nak: (delayMs) => msg.nak(delayMs),
      abandon: () => undefined,
      working: () => msg.working(),
    });
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
