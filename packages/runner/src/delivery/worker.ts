import {
  allowedInFlight,
  DELIVERIES_PREFIX,
  DELIVERIES_STREAM,
  deliveryIdFor,
  deliverySubject,
  type Integration,
  partitionOf,
  type RateLimit,
} from '@herald/core';
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
import { DeliverySteps, type Item } from './delivery-steps.js';
import type { HttpSender } from './http-sender.js';
import type { ControlJob, DeliveryJob, PartitionMessage } from './job.js';
import { Pacer } from './pacer.js';

const MAX_ACK_PENDING = 20_000;
/** A delivery handed over by the router joins a lane only as long as this (else it goes via the stream). */
const DIRECT_LANE_CAP = 16;
/**
 * Handed-over deliveries held at once; their events stay unacked meanwhile, so this stays
 * well below the router's max_ack_pending. At the cap the router waits (DIRECT_ROOM_WAIT_MS).
 */
export const DIRECT_HELD_CAP = 800;
/** How long the router waits for room before it publishes to the partition instead. */
const DIRECT_ROOM_WAIT_MS = 1_000;
/** Deliveries held in memory per integration; more wait in JetStream. */
const LANE_QUEUE_CAP = 1_000;

export function partitionConsumerName(partition: number): string {
  return `herald-deliveries-${partition}`;
}

interface Lane {
  queue: Item[];
  inFlight: number;
  timer: NodeJS.Timeout | null;
  loading: boolean;
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
 * Consumes owned partitions of the deliveries stream. Each integration has a lane: a
 * FIFO whose concurrency its machine decides (healthy: configured, failing: one probe,
 * disabled: none → skipped) and whose pace its provider's rate limit sets; one global
 * cap bounds requests in flight. Retries are `nak(delay)`, never a sleep in memory.
 */
export class DeliveryWorker {
  readonly #deps: WorkerDeps;
  readonly #consumers = new Map<number, ResumingConsumer>();
  readonly #lanes = new Map<string, Lane>();
  readonly #blocked = new Set<string>();
  // Pacers outlive lanes: a destination's "wait" holds for deliveries that arrive later.
  readonly #pacers = new Map<string, Pacer>();
  readonly #tasks = new Set<Promise<void>>();
  // Keys of the deliveries queued or in flight here: a redelivered copy of one is ignored,
  // so one delivery is never attempted twice at once.
  readonly #active = new Set<string>();
  readonly #partitionStops = new Map<number, Promise<void>>();
  readonly #heartbeat: NodeJS.Timeout;
  #inFlight = 0;
  #directHeld = 0;
  readonly #roomWaiters: Array<() => void> = [];
  #stopping = false;

  readonly #steps: DeliverySteps;

  constructor(deps: WorkerDeps) {
    this.#deps = deps;
    this.#steps = new DeliverySteps({
      ...deps,
      pause: (id, ms) => this.#pacer(id).pauseUntil(Date.now() + ms),
      track: (task) => this.#track(task),
    });
    // Deliveries waiting in a lane are still JetStream's; tell it they are being worked on.
    this.#heartbeat = setInterval(() => this.#touchQueued(), deps.config.ackWaitMs / 3);
    this.#heartbeat.unref();
  }

  get partitions(): number[] {
    return [...this.#consumers.keys()];
  }

  get pending(): number {
    let n = this.#inFlight;
    for (const lane of this.#lanes.values()) n += lane.queue.length;
    return n;
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
    // Its integrations' actors now live with the partition's next owner.
    this.#deps.actors.release((id) => partitionOf(id, this.#deps.config.partitions) === partition);
    for (const [id, lane] of this.#lanes) {
      const mine = lane.queue.filter(
        (item) => partitionOf(item.job.integrationId, this.#deps.config.partitions) === partition,
      );
      if (mine.length === 0) continue;
      lane.queue = lane.queue.filter((item) => !mine.includes(item));
      for (const item of mine) this.#giveBack(item);
      if (lane.queue.length === 0 && lane.inFlight === 0) this.#dropLane(id, lane);
    }
  }

  /** Stops pulling, lets attempts in flight finish (bounded), returns the rest to JetStream. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#heartbeat);
    await Promise.all([...this.#consumers.keys()].map((p) => this.stopPartition(p)));
    for (const [id, lane] of this.#lanes) {
      for (const item of lane.queue) this.#giveBack(item);
      lane.queue = [];
      if (lane.timer) clearTimeout(lane.timer);
      if (lane.inFlight === 0) this.#lanes.delete(id);
    }
    // A finishing attempt adds a task (its message settles once it is listed): wait for those too.
    const deadline = Date.now() + graceMs;
    while (this.#tasks.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.#tasks]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
    }
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
      this.#track(this.#control(msg, message));
      return;
    }
    if (message.notBefore !== undefined && message.notBefore > Date.now()) {
      msg.nak(message.notBefore - Date.now());
      return;
    }
    const seq = msg.info.streamSequence;
    const key = `s${seq}`;
    if (this.#active.has(key)) return;
    const id = message.integrationId;
    let lane = this.#lanes.get(id);
    if (!lane) {
      lane = { queue: [], inFlight: 0, timer: null, loading: false };
      this.#lanes.set(id, lane);
    }
    if (lane.queue.length >= LANE_QUEUE_CAP) {
      // Let JetStream hold the backlog; come back about when the lane will have room.
      msg.nak(Math.min(60_000, 1_000 + lane.queue.length * 20));
      return;
    }
    this.#active.add(key);
    lane.queue.push({
      job: message,
      deliveryId: deliveryIdFor(message.event.id, id),
      key,
      deliveryCount: msg.info.deliveryCount,
      mayRepeat: message.repeat === true || this.#deps.forgottenAcks.possible(seq),
      ack: () => msg.ack(),
      nak: (delayMs) => msg.nak(delayMs),
      abandon: () => undefined,
      working: () => msg.working(),
      msg,
    });
    this.#pump(id, lane);
  }

  /**
   * Takes a delivery the router hands over, without the hop through the partition's
   * stream, when this runner owns the integration's partition, its machine is loaded and
   * lets deliveries through, and its lane is short (DIRECT_LANE_CAP) — so the delivery
   * starts at once or soon. Resolves when it is settled: done, or its retry published to
   * the partition. Returns null otherwise; the router then publishes it to the partition.
   */
  direct(
    job: DeliveryJob,
    from: { deliveryCount: number; mayRepeat: boolean; working: () => void },
  ): Promise<void> | null {
    const id = job.integrationId;
    const { config, actors } = this.#deps;
    if (this.#stopping || this.#directHeld >= DIRECT_HELD_CAP) return null;
    if (!this.#consumers.has(partitionOf(id, config.partitions))) return null;
    const snapshot = actors.peekOrStart(id);
    if (!snapshot || allowedInFlight(snapshot) === 0) return null;
    let lane = this.#lanes.get(id);
    if (lane && lane.queue.length >= DIRECT_LANE_CAP) return null;
    // A paced lane would hold it (and its event) for a while: the stream can wait instead.
    if (this.#pacer(id).waitMs(Date.now()) > 0) return null;
    const deliveryId = deliveryIdFor(job.event.id, id);
    const key = `r${deliveryId}`;
    if (this.#active.has(key)) return null;
    if (!lane) {
      lane = { queue: [], inFlight: 0, timer: null, loading: false };
      this.#lanes.set(id, lane);
    }
    const settled = new Promise<void>((resolve, reject) => {
      lane.queue.push({
        job,
        deliveryId,
        key,
        deliveryCount: from.deliveryCount,
        mayRepeat: from.mayRepeat,
        ack: resolve,
        // Another attempt later, or handed back (partition lost, stopping): via the partition.
        nak: (delayMs) => this.#publishRetry(job, delayMs ?? 0).then(resolve, reject),
        abandon: reject,
        working: from.working,
        msg: null,
      });
    });
    this.#directHeld++;
    const release = () => {
      this.#directHeld--;
      this.#roomWaiters.shift()?.();
    };
    void settled.then(release, release);
    this.#active.add(key);
    this.#pump(id, lane);
    return settled;
  }

  /**
   * Null when a delivery can be handed over now as far as the worker's total goes; else
   * resolves when one settles (or after DIRECT_ROOM_WAIT_MS): the router's back-pressure,
   * so a backlog waits in the events stream rather than being copied to the partitions.
   */
  directRoom(): Promise<void> | null {
    if (this.#directHeld < DIRECT_HELD_CAP || this.#stopping) return null;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const i = this.#roomWaiters.indexOf(wake);
        if (i >= 0) this.#roomWaiters.splice(i, 1);
        resolve();
      }, DIRECT_ROOM_WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#roomWaiters.push(wake);
    });
  }

  /** A delivery handed over by the router needs another attempt: it goes to its partition's stream. */
  async #publishRetry(job: DeliveryJob, delayMs: number): Promise<void> {
    const retry: DeliveryJob = {
      ...job,
      repeat: true,
      notBefore: delayMs > 0 ? Date.now() + delayMs : undefined,
    };
    await this.#deps.publisher.publish(
      deliverySubject(job.integrationId, this.#deps.config.partitions),
      JSON.stringify(retry),
      { msgId: `${job.event.id}:${job.integrationId}` },
    );
  }

  /** Returns a waiting delivery to JetStream (for this partition's next owner, or after a stop). */
  #giveBack(item: Item): void {
    this.#active.delete(item.key);
    item.nak();
  }

  #pacer(id: string): Pacer {
    let pacer = this.#pacers.get(id);
    if (!pacer) {
      pacer = new Pacer(this.#rateLimitOf(this.#deps.integrations.byId(id)));
      this.#pacers.set(id, pacer);
    }
    return pacer;
  }

  /** The integration's own rate, else its provider's default; null = unpaced. */
  #rateLimitOf(integration: Integration | undefined): RateLimit | null {
    if (!integration) return null;
    const perSecond = integration.rateLimitPerSecond;
    if (perSecond) {
      const count = Math.max(1, Math.round(perSecond));
      return { count, perMs: (1_000 * count) / perSecond };
    }
    return this.#deps.providers.get(integration.type)?.rateLimit ?? null;
  }

  #pump(id: string, lane: Lane): void {
    if (this.#stopping) return;
    const snapshot = this.#deps.actors.peek(id);
    if (!snapshot) {
      if (!lane.loading) {
        lane.loading = true;
        this.#deps.actors.snapshot(id).then(
          () => {
            lane.loading = false;
            this.#pump(id, lane);
          },
          (err) => {
            lane.loading = false;
            this.#deps.logger.warn(
              { integrationId: id, err: (err as Error).message },
              'cannot load integration state; retrying',
            );
            lane.timer ??= setTimeout(() => {
              lane.timer = null;
              this.#pump(id, lane);
            }, 1_000);
          },
        );
      }
      return;
    }
    const allowed = allowedInFlight(snapshot);
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      const manual = next.job.trigger === 'manual';
      if (allowed === 0 && !manual) {
        lane.queue.shift();
        this.#start(id, lane, next, this.#steps.skip(next));
        continue;
      }
      if (lane.inFlight >= Math.max(allowed, 1)) break;
      if (this.#inFlight >= this.#deps.config.maxInFlight) {
        this.#blocked.add(id);
        break;
      }
      const wait = this.#pacer(id).take(Date.now());
      if (wait > 0) {
        if (!lane.timer) {
          lane.timer = setTimeout(() => {
            lane.timer = null;
            this.#pump(id, lane);
          }, wait);
        }
        break;
      }
      lane.queue.shift();
      this.#inFlight++;
      this.#start(id, lane, next, this.#steps.deliver(next), true);
    }
    if (lane.queue.length === 0 && lane.inFlight === 0) this.#dropLane(id, lane);
  }

  #start(id: string, lane: Lane, item: Item, task: Promise<void>, counted = false): void {
    lane.inFlight++;
    this.#track(
      task
        .catch((err: unknown) =>
          this.#deps.logger.error({ integrationId: id, err: (err as Error).message }, 'delivery step failed'),
        )
        .finally(() => {
          this.#active.delete(item.key);
          lane.inFlight--;
          if (counted) this.#inFlight--;
          this.#pump(id, lane);
          if (counted) this.#unblock();
        }),
    );
  }

  #unblock(): void {
    for (const id of this.#blocked) {
      if (this.#inFlight >= this.#deps.config.maxInFlight) return;
      this.#blocked.delete(id);
      const lane = this.#lanes.get(id);
      if (lane) this.#pump(id, lane);
    }
  }

  #dropLane(id: string, lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    this.#lanes.delete(id);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  #touchQueued(): void {
    for (const lane of this.#lanes.values()) for (const item of lane.queue) item.working();
    const now = Date.now();
    for (const [id, pacer] of this.#pacers)
      if (!this.#lanes.has(id) && pacer.idle(now)) this.#pacers.delete(id);
  }

  /** An integration changed: its pace may have. */
  forgetPacer(integrationId: string): void {
    this.#pacers.delete(integrationId);
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
    const lane = this.#lanes.get(job.integrationId);
    if (lane) this.#pump(job.integrationId, lane);
  }
}
