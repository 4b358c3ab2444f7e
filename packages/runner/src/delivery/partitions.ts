import { DELIVERIES_PREFIX, DELIVERIES_STREAM, partitionOf } from '@herald/core';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import { consumeResuming, ensureConsumer, type ResumingConsumer } from '../nats/consumers.js';
import { settledWithin } from '../settled-within.js';
import type { ActorRegistry } from './actors.js';
import type { Lanes } from './lanes.js';
import type { ParkedStore } from './parked.js';

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

/** The durable consumer's name of a partition of the deliveries stream. */
export function partitionConsumerName(partition: number): string {
  return `herald-deliveries-${partition}`;
}

/** What starting and stopping a partition uses. */
export interface PartitionsDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  config: HeraldConfig;
  actors: Pick<ActorRegistry, 'release'>;
  lanes: Pick<Lanes, 'adopt' | 'release' | 'endAttempts'>;
  parked: Pick<ParkedStore, 'counts'>;
  logger: Logger;
  /** What becomes of each message of a partition's consumer (the worker's). */
  onMessage(msg: JsMsg, partition: number): Promise<void> | undefined;
}

/**
 * The partitions worked here and their durable consumers: starting one (its consumer
 * read or created, what earlier owners parked taken up, then pulling) and stopping one
 * (nothing more attempted from that moment, its lanes and actors let go, its consumer
 * closed, bounded). A partition is worked from the start of `start` (a stop meanwhile ends
 * it) and consumed once its consumer pulls.
 */
export class Partitions {
  readonly #deps: PartitionsDeps;
  readonly #consumers = new Map<number, ResumingConsumer>();
  /** Partitions being worked here: a message of any other is given back at once. */
  readonly #owned = new Map<number, symbol>();
  readonly #stops = new Map<number, Promise<void>>();

  constructor(deps: PartitionsDeps) {
    this.#deps = deps;
  }

  /** The partitions whose consumer pulls. */
  get consumed(): IterableIterator<number> {
    return this.#consumers.keys();
  }

  /** Whether the partition is worked here (started, or starting). */
  works(partition: number): boolean {
    return this.#owned.has(partition);
  }

  /** Whether the partition's consumer pulls here. */
  consumes(partition: number): boolean {
    return this.#consumers.has(partition);
  }

  /** Starts consuming one partition (idempotent). */
  async start(partition: number): Promise<void> {
    // A stop still running would nak what the new consumer is about to receive.
    await this.#stops.get(partition);
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
      const parked = await this.#deps.parked.counts(partition);
      if (!wanted()) return;
      this.#deps.lanes.adopt(parked);
      step = 'starting to pull';
      const consumer = await consumeResuming(js, DELIVERIES_STREAM, name, {
        maxMessages: PULL_BATCH,
        onMessage: (msg) => this.#deps.onMessage(msg, partition),
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

  /** See DeliveryWorker.stopPartition. */
  async stop(partition: number, attemptsWithinMs?: number): Promise<void> {
    const consumer = this.#consumers.get(partition);
    if (!consumer && !this.#owned.has(partition)) return;
    this.#consumers.delete(partition);
    this.#owned.delete(partition);
    const inPartition = (id: string) => partitionOf(id, this.#deps.config.partitions) === partition;
    // Its integrations' actors now live with the partition's next owner.
    this.#deps.actors.release(inPartition);
    this.#deps.lanes.release(inPartition);
    const ending =
      attemptsWithinMs === undefined
        ? Promise.resolve()
        : this.#deps.lanes.endAttempts(inPartition, attemptsWithinMs);
    const stopping = Promise.all([
      ending,
      consumer ? settledWithin(consumer.close(), CONSUMER_CLOSE_TIMEOUT_MS) : null,
    ]).then(() => undefined);
    this.#stops.set(partition, stopping);
    try {
      await stopping;
    } finally {
      if (this.#stops.get(partition) === stopping) this.#stops.delete(partition);
    }
  }
}
