import { newId } from '@herald/core';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { settledWithin } from '../settled-within.js';
import { isLive } from '../store/kv.js';
import { assignPartitions } from './assignment.js';
import { HeldLeases } from './fencing.js';

/** What the lease manager drives: start or stop consuming one partition. */
export interface PartitionOwner {
  startPartition(partition: number): Promise<void>;
  /** Stops it; returns once its attempts in flight are over, aborting those still running after `attemptsWithinMs`. */
  stopPartition(partition: number, attemptsWithinMs: number): Promise<void>;
}

export interface LeaseManagerOptions {
  kv: KV;
  /** The bucket's name, and a manager to read its stream with. */
  bucket: string;
  jsm: JetStreamManager;
  partitions: number;
  /** The bucket's max age: a lease or membership not renewed within it expires. */
  ttlMs: number;
  owner: PartitionOwner;
  logger: Logger;
  runnerId?: string;
}

/**
 * A stop waits this long for a lease round in flight, and for each lease's delete: the
 * deletes only hand partitions over sooner (an undeleted lease expires after the TTL),
 * so an unreachable NATS must not hold the stop (16 deletes timing out one after the
 * other took 80 s).
 */
export const LEASE_RELEASE_TIMEOUT_MS = 1_000;

/**
 * Partition ownership through leases in a KV bucket whose max age is the lease TTL.
 * Each runner announces itself (`member.<id>`) and claims, with compare-and-set, the
 * partitions that `assignPartitions` gives it (`partition.<n>`), renewing both well
 * before they expire. A runner that dies stops renewing; its keys expire and the others
 * take its partitions. Shares stay fair, and a runner joining or leaving moves few
 * partitions besides its own. NATS is the only coordinator.
 */
export class LeaseManager {
  readonly runnerId: string;
  readonly #o: LeaseManagerOptions;
  readonly #held: HeldLeases;
  #timer: NodeJS.Timeout | null = null;
  #fence: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #tickStartedAt = 0;
  readonly #releasing = new Set<Promise<void>>();
  readonly #renewing = new Set<number>();
  #renewTimer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: LeaseManagerOptions) {
    this.#o = options;
    this.#held = new HeldLeases(options.ttlMs);
    this.runnerId = options.runnerId ?? newId('rnr');
  }

  /** Partitions this runner owns now. */
  get held(): number[] {
    return this.#held.partitions;
  }

  /**
   * Joins, takes a first share, then renews and rebalances every third of the TTL, and
   * fences: a partition whose lease was not renewed in time is stopped before anyone else
   * can take it.
   */
  async start(): Promise<void> {
    this.#fence = setInterval(() => this.fenceExpiring(), Math.max(50, Math.floor(this.#o.ttlMs / 20)));
    await this.tick();
    const every = Math.max(200, Math.floor(this.#o.ttlMs / 3));
    this.#renewTimer = setInterval(() => this.renewHeld(), every);
    this.#timer = setInterval(() => {
      // A round still under way after a whole TTL is stuck (a lossy link can leave a KV
      // read waiting for ever): the next one starts beside it, or this runner would never
      // claim a partition again.
      if (this.#ticking && performance.now() - this.#tickStartedAt < this.#o.ttlMs) return;
      if (this.#ticking)
        this.#o.logger.warn({ runner: this.runnerId }, 'a lease round is stuck; starting another');
      this.#tickStartedAt = performance.now();
      const round = this.tick().finally(() => {
        if (this.#ticking === round) this.#ticking = null;
      });
      this.#ticking = round;
    }, every);
  }

  /**
   * Self-fencing, on this runner's own clock: a lease written at send time `t` expires on
   * the server no sooner than `t + TTL`, and another runner claims it only after that, so
   * stopping at `t + TTL - margin` leaves one runner working each partition even when this
   * one cannot reach NATS at all (cut off, or its node in a minority). Renewals that come
   * back later let it claim the partition again in a later round.
   */
  fenceExpiring(now = performance.now()): void {
    // Called before every batch of attempts: nothing to do costs one comparison.
    for (const partition of this.#held.expired(now)) {
      this.#o.logger.warn(
        { partition, runner: this.runnerId },
        'fenced a partition: its lease was not renewed in time and may pass to another runner',
      );
      this.#held.forget(partition);
      // Attempts in flight are aborted too: the next owner may start them any moment now.
      void this.#o.owner.stopPartition(partition, 0).catch((err: Error) => {
        this.#o.logger.error({ partition, err: err.message }, 'cannot stop a fenced partition');
      });
    }
  }

  /** One round: announce, read members, release what is no longer ours, claim what is. */
  async tick(): Promise<void> {
    if (this.#stopped) return;
    const { kv, partitions, logger } = this.#o;
    let step = 'announcing itself';
    try {
      await kv.put(`member.${this.runnerId}`, String(Date.now()));
      step = 'reading the members';
      const owners = assignPartitions(partitions, await this.#members());
      step = 'claiming its share';
      // Partitions are independent: release and claim them all at once.
      await Promise.all(
        Array.from({ length: partitions }, (_, p) => {
          const mine = owners[p] === this.runnerId;
          const held = this.#held.has(p);
          // Not waited for: a release waits for the partition's attempts in flight.
          if (held && !mine) return void this.#releaseInBackground(p);
          return !held && mine ? this.#claim(p) : Promise.resolve();
        }),
      );
    } catch (err) {
      logger.warn({ step, err: (err as Error).message }, 'lease round failed; will retry');
    }
  }

  /**
   * Renews every lease held, on its own timer: a round that waits on a slow cluster (a
   * claim starts a consumer) must not push a renewal past its fence. A lease whose last
   * renewal is still under way is not renewed beside it.
   */
  renewHeld(): void {
    if (this.#stopped) return;
    for (const [partition, revision] of this.#held.entries()) {
      if (this.#renewing.has(partition)) continue;
      this.#renewing.add(partition);
      void this.#renew(partition, revision)
        .catch((err: Error) =>
          this.#o.logger.warn({ partition, err: err.message }, 'renewing a lease failed'),
        )
        .finally(() => this.#renewing.delete(partition));
    }
  }

  async #renew(partition: number, revision: number): Promise<void> {
    const sentAt = performance.now();
    try {
      const renewed = await this.#o.kv.update(`partition.${partition}`, this.runnerId, revision);
      const tookMs = performance.now() - sentAt;
      if (tookMs > this.#o.ttlMs / 4)
        this.#o.logger.warn({ partition, tookMs: Math.round(tookMs) }, 'a lease renewal was slow');
      // Fenced or released while the renewal was under way: a later round claims it again.
      if (this.#held.revisionOf(partition) === revision) this.#held.hold(partition, renewed, sentAt);
    } catch (err) {
      // A slow cluster is not a lost lease: keep the partition and renew next round (the
      // fence stops it if no renewal comes back in time).
      if (!/wrong last sequence/i.test(String(err))) return;
      if (this.#held.revisionOf(partition) !== revision) return;
      // Someone else holds it now (our lease expired): stop at once.
      this.#o.logger.warn({ partition }, 'lost a partition lease');
      this.#held.forget(partition);
      await this.#o.owner.stopPartition(partition, 0);
    }
  }

  /**
   * The live members: the bucket's `member.*` subjects from one stream info request (served
   * by the stream's leader; `kv.keys()` would create a consumer every round, which waits on
   * the cluster's meta leader and hangs while it is being elected), then each one's entry,
   * since a member that left wrote a delete marker.
   */
  async #members(): Promise<string[]> {
    const { jsm, kv, bucket } = this.#o;
    const prefix = `$KV.${bucket}.member.`;
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}*` });
    const candidates = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    const live = await Promise.all(
      candidates.map(async (id) =>
        id === this.runnerId || isLive(await kv.get(`member.${id}`)) ? id : null,
      ),
    );
    const members = live.filter((id): id is string => id !== null);
    if (!members.includes(this.runnerId)) members.push(this.runnerId);
    return members.sort();
  }

  async #claim(partition: number): Promise<void> {
    const key = `partition.${partition}`;
    const entry = await this.#o.kv.get(key);
    let revision: number;
    const sentAt = performance.now();
    try {
      if (!isLive(entry)) revision = await this.#o.kv.create(key, this.runnerId);
      else if (entry.string() === this.runnerId)
        revision = await this.#o.kv.update(key, this.runnerId, entry.revision);
      else return; // still held by its previous owner; it releases it or its lease expires
    } catch {
      return; // another runner won the race
    }
    // Held (renewed and fenced) from the moment the lease is ours, while the partition
    // starts, which can take a while on a slow cluster. Logged at once, before any attempt:
    // fault tests line the logs of several runners up with what their sink received.
    this.#held.hold(partition, revision, sentAt);
    this.#o.logger.info({ partition, runner: this.runnerId }, 'took a partition');
    try {
      await this.#o.owner.startPartition(partition);
    } catch (err) {
      // Not consuming it: give the lease back so the next round claims it afresh.
      this.#o.logger.warn(
        { partition, err: (err as Error).message },
        'released a partition it could not start',
      );
      const current = this.#held.revisionOf(partition);
      this.#held.forget(partition);
      await this.#o.kv
        .delete(`partition.${partition}`, { previousSeq: current ?? revision })
        .catch(() => undefined);
      throw err;
    }
    // A stop that gave up waiting for this round has released what it saw: this one too.
    if (this.#stopped && this.#held.has(partition)) await this.#release(partition);
  }

  #releaseInBackground(partition: number): void {
    const release = this.#release(partition).catch((err: Error) => {
      this.#o.logger.warn({ partition, err: err.message }, 'releasing a partition failed');
    });
    this.#releasing.add(release);
    void release.finally(() => this.#releasing.delete(release));
  }

  /**
   * Gives a partition up: stops it, lets its attempts in flight end while the lease is
   * still surely ours (at most `withinMs`), aborting what is left, then deletes the lease,
   * so its next owner starts only when no attempt of this runner's runs.
   */
  async #release(partition: number, withinMs = Number.POSITIVE_INFINITY): Promise<void> {
    const revision = this.#held.revisionOf(partition);
    const validMs = this.#held.validForMs(partition);
    this.#held.forget(partition);
    await this.#o.owner.stopPartition(partition, Math.max(0, Math.min(validMs, withinMs)));
    // Stopped: logged before the lease goes, so the next owner's "took" comes after it.
    this.#o.logger.info({ partition, runner: this.runnerId }, 'released a partition');
    if (revision !== undefined)
      await settledWithin(
        this.#o.kv.delete(`partition.${partition}`, { previousSeq: revision }),
        LEASE_RELEASE_TIMEOUT_MS,
      );
  }

  /**
   * Leaves: releases every partition so the others take them over at once, after their
   * attempts in flight (at most `attemptsWithinMs`, then aborted). Bounded by that plus
   * about 2 × `LEASE_RELEASE_TIMEOUT_MS` when NATS does not answer (then the leases
   * expire after the TTL instead).
   */
  async stop(attemptsWithinMs = 0): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    if (this.#fence) clearInterval(this.#fence);
    await settledWithin(this.#ticking, LEASE_RELEASE_TIMEOUT_MS);
    await Promise.all([
      ...this.held.map((p) => this.#release(p, attemptsWithinMs)),
      settledWithin(Promise.all(this.#releasing), attemptsWithinMs + LEASE_RELEASE_TIMEOUT_MS),
      settledWithin(this.#o.kv.delete(`member.${this.runnerId}`), LEASE_RELEASE_TIMEOUT_MS),
    ]);
  }
}
