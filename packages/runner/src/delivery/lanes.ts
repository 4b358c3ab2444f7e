import {
  allowedInFlight,
  deliveryIdFor,
  type Integration,
  type IntegrationMachineSnapshot,
  type RateLimit,
  stateOf,
} from '@herald/core';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { IntegrationStore } from '../store/integrations.js';
import type { ActorRegistry } from './actors.js';
import type { DeliverySteps } from './delivery-steps.js';
import type { Item, ItemSource, StepResult } from './item.js';
import type { DeliveryJob } from './job.js';
import { Pacer } from './pacer.js';
import type { ParkedCount, ParkedEntry, ParkedStore } from './parked.js';
import { FairSlots, type Slot, type SlotClass } from './slots.js';

/** Deliveries a lane of an integration that can take them holds in memory; more are parked. */
export const LANE_QUEUE_CAP = 1_000;
/** A paced lane holds what its pace lets go within this long; the rest is parked. */
const PACED_HORIZON_MS = 10_000;
/** A lane whose destination asked to wait longer than this parks what it holds. */
const PARK_AFTER_WAIT_MS = 1_000;
/** Parked entries a lane reads back ahead of its attempts. */
const PARKED_READ_AHEAD = 16;
/** An integration's standing (pace, slowness) is forgotten after this long without deliveries. */
const STANDING_IDLE_MS = 600_000;
const RETRY_READ_MS = 1_000;

/** What the lanes need of the configuration. */
export type LanesConfig = Pick<
  HeraldConfig,
  'maxInFlight' | 'maxQueued' | 'restrictedShare' | 'slowAttemptMs'
>;

export interface LanesDeps {
  config: LanesConfig;
  integrations: IntegrationStore;
  providers: ProviderRegistry;
  actors: ActorRegistry;
  steps: DeliverySteps;
  parked: ParkedStore;
  logger: Logger;
}

/** One level of an integration's parked deliveries: how many, where reading goes on, the next one read. */
interface Level {
  count: number;
  cursor: number;
  head: ParkedEntry | null;
  reading: boolean;
}

interface Lane {
  id: string;
  queue: Item[];
  /** Attempts holding a slot. */
  attempts: number;
  /** Steps and settlements under way (attempts, skips, parks). */
  busy: number;
  timer: NodeJS.Timeout | null;
  timerAt: number;
  loading: boolean;
  /** Parked levels (0: backlog; n: waiting for retry n); replaced when the partition is released. */
  parked: Map<number, Level>;
  /** Backlog parks not yet acknowledged by JetStream: what arrives meanwhile queues behind them. */
  parkingBacklog: number;
}

/** What this runner has learnt of an integration's destination; outlives its lane. */
interface Standing {
  pacer: Pacer;
  /** Its last attempt here answered within the slow threshold. */
  proven: boolean;
  /** An attempt ran past the slow threshold, and none has been fast since. */
  slow: boolean;
  lastUsed: number;
}

/**
 * Per-integration lanes: which deliveries go, when, and where the rest wait. A lane's
 * concurrency is its machine's (healthy: configured; failing or slow: one probe; disabled:
 * none → skipped), its pace its provider's rate; slots are shared fairly (`FairSlots`).
 * A lane holds in memory only what it can attempt soon; the rest — a backlog, a paused or
 * restricted integration's deliveries, retries — is parked (`ParkedStore`) and read back
 * when the lane has room, so no partition's ack window and no heap fills up behind a broken
 * endpoint. The lanes apply what a delivery step returns; the step never calls back.
 */
export class Lanes {
  readonly #deps: LanesDeps;
  readonly #slots: FairSlots;
  readonly #lanes = new Map<string, Lane>();
  readonly #standing = new Map<string, Standing>();
  readonly #tasks = new Set<Promise<void>>();
  /** Keys of the deliveries held here: a redelivered copy of one is ignored. */
  readonly #active = new Set<string>();
  /** Deliveries with an attempt in flight: another copy of one waits for it. */
  readonly #attempting = new Set<string>();
  readonly #sweep: NodeJS.Timeout;
  readonly #roomWaiters: Array<() => void> = [];
  /** Deliveries in memory in the lanes, and being parked. */
  #queued = 0;
  #parking = 0;
  #stopping = false;
  #filling = false;

  constructor(deps: LanesDeps) {
    this.#deps = deps;
    this.#slots = new FairSlots({
      maxInFlight: deps.config.maxInFlight,
      restrictedShare: deps.config.restrictedShare,
      slowAfterMs: deps.config.slowAttemptMs,
    });
    this.#sweep = setInterval(() => this.#sweepSlow(), Math.max(50, deps.config.slowAttemptMs / 4));
    this.#sweep.unref();
  }

  /** Deliveries queued in memory or being attempted. */
  get pending(): number {
    const { shared, restricted } = this.#slots.inFlight;
    return this.#queued + shared + restricted;
  }

  /** True while a delivery with this key is held here. */
  has(key: string): boolean {
    return this.#active.has(key);
  }

  /** How many deliveries wait in memory in the integration's lane. */
  queued(integrationId: string): number {
    return this.#lanes.get(integrationId)?.queue.length ?? 0;
  }

  /** Resolves when the lanes hold fewer than `maxQueued` deliveries (queued or being parked); null when they do now. */
  room(): Promise<void> | null {
    if (!this.#full() || this.#stopping) return null;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /**
   * Whether a delivery for this integration would start at once or soon: its machine is
   * in memory and lets it through, it is not failing, slow or paused, and its lane is short
   * with no backlog parked. The router hands over only such deliveries.
   */
  takesNow(integrationId: string, laneCap: number): boolean {
    const snapshot = this.#deps.actors.peek(integrationId);
    if (!snapshot || allowedInFlight(snapshot) === 0 || stateOf(snapshot) === 'failing') return false;
    const standing = this.#standingOf(integrationId);
    if (standing.slow || standing.pacer.waitMs(Date.now()) > 0) return false;
    const lane = this.#lanes.get(integrationId);
    return !lane || (lane.queue.length < laneCap && !this.#hasBacklog(lane));
  }

  /** Takes a delivery: queued in its lane when it can be attempted soon, else parked. */
  add(item: Item): void {
    if (this.#stopping) {
      item.source.giveBack();
      return;
    }
    const lane = this.#lane(item.job.integrationId);
    this.#active.add(item.key);
    if (this.#hasBacklog(lane) || lane.queue.length >= this.#queueCap(lane)) {
      this.#parkBacklog(lane, item);
      return;
    }
    this.#enqueue(lane, item);
    this.#pump(lane);
  }

  /** Lets a lane go on (its machine changed). */
  wake(integrationId: string): void {
    const lane = this.#lanes.get(integrationId);
    if (lane) this.#pump(lane);
  }

  /** Takes up what is parked for a partition this runner now owns. */
  adopt(counts: ParkedCount[]): void {
    for (const { integrationId, level, count } of counts) {
      const lane = this.#lane(integrationId);
      const known = lane.parked.get(level);
      if (known) known.count = Math.max(known.count, count);
      else lane.parked.set(level, { count, cursor: 1, head: null, reading: false });
    }
    for (const { integrationId } of counts) this.wake(integrationId);
  }

  /**
   * Lets go of the integrations that match (their partition moved, or the runner stops):
   * what waits in their lanes goes back to its source, their parked entries stay for the
   * next owner. Attempts in flight finish and settle.
   */
  release(matches: (integrationId: string) => boolean): void {
    for (const [id, lane] of this.#lanes) {
      if (!matches(id)) continue;
      for (const item of lane.queue) {
        this.#active.delete(item.key);
        item.source.giveBack();
      }
      this.#queued -= lane.queue.length;
      lane.queue = [];
      lane.parked = new Map();
      // Out of the map at once: what is still under way for it (attempts, parks, reads)
      // finishes without taking up the partition's parked deliveries again.
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
      this.#lanes.delete(id);
    }
    this.#wakeRoom();
  }

  /** Starts nothing more. */
  hold(): void {
    this.#stopping = true;
    this.#wakeRoom();
  }

  /** Gives everything waiting back and waits (bounded) for attempts in flight and their settling. */
  async stop(graceMs: number): Promise<void> {
    this.hold();
    clearInterval(this.#sweep);
    this.release(() => true);
    for (const lane of this.#lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    const deadline = Date.now() + graceMs;
    while (this.#tasks.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.#tasks]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
    }
  }

  /** Keeps a task that `stop` waits for. */
  track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Tells JetStream the waiting deliveries are being worked on; forgets idle standings. */
  touchQueued(): void {
    for (const lane of this.#lanes.values()) for (const item of lane.queue) item.source.working();
    const now = Date.now();
    for (const [id, standing] of this.#standing)
      if (!this.#lanes.has(id) && now - standing.lastUsed > STANDING_IDLE_MS && standing.pacer.idle(now))
        this.#standing.delete(id);
  }

  /** An integration changed: its pace may have (a destination's pause holds). */
  forgetPacer(integrationId: string): void {
    const standing = this.#standing.get(integrationId);
    if (!standing) return;
    const pacer = new Pacer(this.#rateLimitOf(this.#deps.integrations.byId(integrationId)));
    pacer.pauseUntil(standing.pacer.pausedUntil);
    standing.pacer = pacer;
  }

  #standingOf(id: string): Standing {
    let standing = this.#standing.get(id);
    if (!standing) {
      standing = {
        pacer: new Pacer(this.#rateLimitOf(this.#deps.integrations.byId(id))),
        proven: false,
        slow: false,
        lastUsed: Date.now(),
      };
      this.#standing.set(id, standing);
    }
    return standing;
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

  #lane(id: string): Lane {
    let lane = this.#lanes.get(id);
    if (!lane) {
      lane = {
        id,
        queue: [],
        attempts: 0,
        busy: 0,
        timer: null,
        timerAt: 0,
        loading: false,
        parked: new Map(),
        parkingBacklog: 0,
      };
      this.#lanes.set(id, lane);
    }
    return lane;
  }

  #hasBacklog(lane: Lane): boolean {
    return lane.parkingBacklog > 0 || (lane.parked.get(0)?.count ?? 0) > 0;
  }

  #restricted(snapshot: IntegrationMachineSnapshot, standing: Standing): boolean {
    return standing.slow || stateOf(snapshot) === 'failing';
  }

  /** How many deliveries the lane may hold in memory now: what it can attempt soon. */
  #queueCap(lane: Lane): number {
    const snapshot = this.#deps.actors.peek(lane.id);
    // Not loaded yet: held until it is, then trimmed.
    if (!snapshot || allowedInFlight(snapshot) === 0) return LANE_QUEUE_CAP;
    const standing = this.#standingOf(lane.id);
    if (standing.pacer.waitMs(Date.now()) > PARK_AFTER_WAIT_MS) return 0;
    if (this.#restricted(snapshot, standing)) return 1;
    const perSecond = standing.pacer.perSecond;
    if (perSecond === null) return LANE_QUEUE_CAP;
    return Math.min(LANE_QUEUE_CAP, Math.max(1, Math.ceil((perSecond * PACED_HORIZON_MS) / 1_000)));
  }

  #enqueue(lane: Lane, item: Item): void {
    lane.queue.push(item);
    this.#queued++;
  }

  #dequeue(lane: Lane): Item {
    this.#queued--;
    this.#wakeRoom();
    return lane.queue.shift()!;
  }

  #full(): boolean {
    return this.#queued + this.#parking >= this.#deps.config.maxQueued;
  }

  #wakeRoom(): void {
    if (this.#roomWaiters.length === 0 || (this.#full() && !this.#stopping)) return;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  #pump(lane: Lane): void {
    if (this.#stopping) return;
    if (this.#lanes.get(lane.id) !== lane) {
      const current = this.#lanes.get(lane.id);
      if (current) this.#pump(current);
      return;
    }
    const snapshot = this.#deps.actors.peek(lane.id);
    if (!snapshot) {
      this.#load(lane);
      return;
    }
    const standing = this.#standingOf(lane.id);
    standing.lastUsed = Date.now();
    if (allowedInFlight(snapshot) === 0) this.#skipQueued(lane);
    const cap = this.#queueCap(lane);
    // Trimmed to what it can attempt soon (it became restricted or paused): the rest is parked.
    while (lane.queue.length > cap) this.#parkBacklog(lane, this.#popTail(lane));
    this.#readParked(lane, cap);
    if (lane.queue.length > 0) {
      const wait = standing.pacer.waitMs(Date.now());
      if (wait > 0) this.#wakeIn(lane, wait);
      else if (this.#classOf(lane.id) !== null) this.#slots.enqueue(lane.id);
    }
    this.#maybeDrop(lane);
    this.#fill();
  }

  /** Hands free slots to waiting lanes in turn. */
  #fill(): void {
    if (this.#filling) return;
    this.#filling = true;
    try {
      const classOf = (id: string) => this.#classOf(id);
      for (
        let slot = this.#slots.next(classOf, Date.now());
        slot;
        slot = this.#slots.next(classOf, Date.now())
      ) {
        const lane = this.#lanes.get(slot.laneId)!;
        this.#standingOf(lane.id).pacer.take(Date.now());
        this.#attempt(lane, this.#dequeue(lane), slot);
        if (this.#classOf(lane.id) !== null) this.#slots.enqueue(lane.id);
      }
    } finally {
      this.#filling = false;
    }
  }

  /** How the lane stands for a slot now, or null when it cannot start an attempt. */
  #classOf(id: string): SlotClass | null {
    const lane = this.#lanes.get(id);
    if (!lane || lane.queue.length === 0 || this.#stopping) return null;
    const snapshot = this.#deps.actors.peek(id);
    if (!snapshot) return null;
    const standing = this.#standingOf(id);
    const restricted = this.#restricted(snapshot, standing);
    // Restricted: one probe. Unproven: one attempt until one answers in time (then its concurrency).
    const limit = restricted || !standing.proven ? 1 : Math.max(1, allowedInFlight(snapshot));
    if (lane.attempts >= limit) return null;
    if (standing.pacer.waitMs(Date.now()) > 0) return null;
    // Another copy of this delivery is being attempted: it waits for that one's record.
    if (this.#attempting.has(lane.queue[0]!.deliveryId)) return null;
    if (restricted) return 'restricted';
    return standing.proven ? 'proven' : 'unproven';
  }

  /** A disabled integration's deliveries are recorded as skipped (a resend still goes). */
  #skipQueued(lane: Lane): void {
    const manual = lane.queue.filter((item) => item.job.trigger === 'manual');
    if (manual.length === lane.queue.length) return;
    const skipped = lane.queue.filter((item) => item.job.trigger !== 'manual');
    this.#queued -= skipped.length;
    lane.queue = manual;
    for (const item of skipped) this.#run(lane, item, this.#deps.steps.skip(item), null);
    this.#wakeRoom();
  }

  #attempt(lane: Lane, item: Item, slot: Slot): void {
    lane.attempts++;
    this.#attempting.add(item.deliveryId);
    this.#run(lane, item, this.#deps.steps.deliver(item), slot);
  }

  /** Runs a step and applies what it returns. */
  #run(lane: Lane, item: Item, step: Promise<StepResult>, slot: Slot | null): void {
    lane.busy++;
    this.track(
      step
        .then(
          (result) => {
            this.#learn(lane.id, result);
            this.#apply(lane, item, result);
          },
          (err: unknown) => {
            this.#deps.logger.error(
              { integrationId: lane.id, err: (err as Error).message },
              'delivery step failed',
            );
            this.#abandon(lane, item, err as Error);
          },
        )
        .finally(() => {
          lane.busy--;
          if (slot) {
            lane.attempts--;
            this.#attempting.delete(item.deliveryId);
            this.#slots.release(slot);
          }
          this.#pump(lane);
          this.#fill();
        }),
    );
  }

  /** What an attempt tells of its destination: fast or slow, and any pause it asked for. */
  #learn(id: string, result: StepResult): void {
    const standing = this.#standingOf(id);
    if (result.pauseUntil !== null) standing.pacer.pauseUntil(result.pauseUntil);
    if (result.durationMs === null) return;
    const slow = result.durationMs >= this.#deps.config.slowAttemptMs;
    standing.slow = slow;
    if (!slow) standing.proven = true;
  }

  /** Applies a step's settlement through the delivery's source, once it is listed. */
  #apply(lane: Lane, item: Item, result: StepResult): void {
    const { settlement } = result;
    if (settlement.kind === 'abandon') {
      this.#abandon(lane, item, settlement.error);
      return;
    }
    let settled: Promise<void>;
    if (settlement.kind === 'ack') settled = result.listed;
    else {
      const retry: DeliveryJob = { ...item.job, repeat: true, notBefore: settlement.notBefore };
      const level = settlement.kind === 'retry' ? settlement.level : 0;
      if (level === 0) lane.parkingBacklog++;
      settled = result.listed
        .then(() => this.#deps.parked.park(retry, level, item.key))
        .finally(() => {
          if (level === 0) lane.parkingBacklog--;
        })
        .then(() => this.#countParked(lane, level));
    }
    lane.busy++;
    this.track(
      settled
        .then(
          () => {
            this.#active.delete(item.key);
            item.source.ack();
          },
          (err: Error) => {
            this.#deps.logger.warn(
              { integrationId: lane.id, deliveryId: item.deliveryId, err: err.message },
              'cannot settle the delivery yet; it will be redelivered',
            );
            this.#abandon(lane, item, err);
          },
        )
        .finally(() => {
          lane.busy--;
          // Parked: the lane may read it back. Acked: nothing changed but the lane may be done.
          if (settlement.kind === 'ack') this.#maybeDrop(lane);
          else this.#pump(lane);
        }),
    );
  }

  /** Neither done nor parked: the source redelivers it (a parked one is read again). */
  #abandon(lane: Lane, item: Item, err: Error): void {
    this.#active.delete(item.key);
    if (item.parked) {
      const level = lane.parked.get(item.parked.level);
      if (level) {
        // Read it again next; a head read beyond it would come twice, so it is dropped too.
        if (level.head) level.count++;
        level.head = null;
        level.cursor = Math.min(level.cursor, item.parked.seq);
        level.count++;
      }
    }
    item.source.abandon(err);
  }

  #countParked(lane: Lane, level: number): void {
    if (this.#lanes.get(lane.id) !== lane) return;
    const known = lane.parked.get(level);
    if (known) known.count++;
    else lane.parked.set(level, { count: 1, cursor: 1, head: null, reading: false });
  }

  /** Parks a delivery at the back of its integration's backlog; its source lets it go once JetStream has it. */
  #parkBacklog(lane: Lane, item: Item): void {
    lane.parkingBacklog++;
    lane.busy++;
    this.#parking++;
    const job: DeliveryJob = item.job.repeat ? item.job : { ...item.job, repeat: true };
    this.track(
      this.#deps.parked
        .park(job, 0, item.key)
        .finally(() => {
          lane.parkingBacklog--;
          this.#parking--;
          this.#wakeRoom();
        })
        .then(
          () => {
            this.#countParked(lane, 0);
            this.#active.delete(item.key);
            item.source.ack();
          },
          (err: Error) => {
            this.#deps.logger.warn(
              { integrationId: lane.id, err: err.message },
              'cannot park a delivery; it will be redelivered',
            );
            this.#abandon(lane, item, err);
          },
        )
        .finally(() => {
          lane.busy--;
          this.#pump(lane);
        }),
    );
  }

  #popTail(lane: Lane): Item {
    this.#queued--;
    this.#wakeRoom();
    return lane.queue.pop()!;
  }

  /** Reads parked deliveries back while the lane has room: retries that are due first, then the backlog. */
  #readParked(lane: Lane, cap: number): void {
    if (lane.parked.size === 0 || this.#stopping) return;
    const now = Date.now();
    const snapshot = this.#deps.actors.peek(lane.id);
    // A disabled integration's parked deliveries are skipped now, retries included.
    const disabled = snapshot !== undefined && allowedInFlight(snapshot) === 0;
    if (!disabled && this.#standingOf(lane.id).pacer.waitMs(now) > PARK_AFTER_WAIT_MS) {
      this.#wakeIn(lane, this.#standingOf(lane.id).pacer.waitMs(now));
      return;
    }
    const room = () => lane.queue.length < Math.min(cap, PARKED_READ_AHEAD);
    let earliest = Number.POSITIVE_INFINITY;
    const levels = [...lane.parked.keys()].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
    for (const n of levels) {
      const level = lane.parked.get(n)!;
      while (room() && level.head) {
        const due = disabled ? 0 : (level.head.job.notBefore ?? 0);
        if (due > now) {
          earliest = Math.min(earliest, due);
          break;
        }
        this.#enqueue(lane, this.#itemOf(level.head, n));
        level.head = null;
        level.count--;
        if (level.count > 0) this.#readHead(lane, n, level);
      }
      if (!level.head && level.count > 0 && room()) this.#readHead(lane, n, level);
      if (level.count <= 0 && !level.head && !level.reading) lane.parked.delete(n);
    }
    if (earliest < Number.POSITIVE_INFINITY) this.#wakeIn(lane, earliest - now);
  }

  #readHead(lane: Lane, n: number, level: Level): void {
    if (level.reading) return;
    level.reading = true;
    lane.busy++;
    const parked = lane.parked;
    this.track(
      this.#deps.parked
        .read(lane.id, n, level.cursor)
        .then(
          (entry) => {
            level.reading = false;
            if (lane.parked !== parked) return;
            if (!entry) {
              // Settled by a former owner of the partition meanwhile.
              level.count = 0;
              return;
            }
            level.cursor = entry.seq + 1;
            if (this.#active.has(`p${entry.seq}`)) return;
            level.head = entry;
          },
          (err: Error) => {
            level.reading = false;
            this.#deps.logger.warn(
              { integrationId: lane.id, err: err.message },
              'cannot read parked deliveries; retrying',
            );
            this.#wakeIn(lane, RETRY_READ_MS);
          },
        )
        .finally(() => {
          lane.busy--;
          this.#pump(lane);
        }),
    );
  }

  #itemOf(entry: ParkedEntry, level: number): Item {
    const { job, seq } = entry;
    const key = `p${seq}`;
    this.#active.add(key);
    const { parked, logger } = this.#deps;
    const source: ItemSource = {
      ack: () =>
        void parked
          .remove(seq)
          .catch((err: Error) =>
            logger.warn({ seq, err: err.message }, 'cannot remove a settled parked delivery'),
          ),
      giveBack: () => undefined,
      abandon: () => undefined,
      working: () => undefined,
    };
    return {
      job,
      deliveryId: deliveryIdFor(job.event.id, job.integrationId),
      key,
      deliveryCount: 1,
      mayRepeat: true,
      parked: { level, seq },
      source,
    };
  }

  /** Loads the integration's machine, then goes on; retries when it cannot be read. */
  #load(lane: Lane): void {
    if (lane.loading) return;
    lane.loading = true;
    this.#deps.actors.snapshot(lane.id).then(
      () => {
        lane.loading = false;
        this.#pump(lane);
      },
      (err) => {
        lane.loading = false;
        this.#deps.logger.warn(
          { integrationId: lane.id, err: (err as Error).message },
          'cannot load integration state; retrying',
        );
        this.#wakeIn(lane, RETRY_READ_MS);
      },
    );
  }

  /** Pumps the lane again in `ms` (or sooner, if a sooner wake is already set). */
  #wakeIn(lane: Lane, ms: number): void {
    const at = Date.now() + ms;
    if (lane.timer && lane.timerAt <= at) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timerAt = at;
    lane.timer = setTimeout(() => {
      lane.timer = null;
      this.#pump(lane);
    }, ms);
    lane.timer.unref?.();
  }

  /** Attempts running past the slow threshold: their integrations become restricted, their shared slots free. */
  #sweepSlow(): void {
    // Also frees shared slots (moved to the restricted count): fill them whatever became slow.
    const slow = this.#slots.sweep(Date.now());
    for (const slot of slow) {
      this.#standingOf(slot.laneId).slow = true;
      const lane = this.#lanes.get(slot.laneId);
      if (lane) this.#pump(lane);
    }
    this.#fill();
  }

  #maybeDrop(lane: Lane): void {
    if (
      lane.queue.length > 0 ||
      lane.busy > 0 ||
      lane.loading ||
      lane.parked.size > 0 ||
      lane.parkingBacklog > 0 ||
      this.#lanes.get(lane.id) !== lane
    )
      return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    this.#lanes.delete(lane.id);
  }
}
