import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Held } from './held.js';
import type { Item, StepResult } from './item.js';
import type { DeliveryJob } from './job.js';
import type { Lane } from './lane.js';
import type { ParkedStore } from './parked.js';
import type { Slot } from './slots.js';
import type { SlowSweep } from './slow-sweep.js';
import type { Standings } from './standing.js';
import type { TrackedTasks } from './tracked-tasks.js';

/** An ordered head its lane cannot hold now waits at least this long before it is tried again. */
const SET_ASIDE_MIN_HOLD_MS = 1_000;

/**
 * Where the lanes go on once a delivery is past a stage. Two fixed entry points, given once,
 * rather than a promise the lanes chain per delivery: this path runs for every delivery and
 * adds no allocation to it.
 */
export interface SettlerLanes {
  /** A step is over (its result applied or abandoned): the lanes end its attempt (`slot`) and go on. */
  stepEnded(lane: Lane, item: Item, slot: Slot | null): void;
  /** A settlement is over: `parked`, the lane may read it back; else it may be done. */
  settled(lane: Lane, parked: boolean): void;
}

/** What the settler uses: the counts it keeps right, where it parks, what it learns into, whom it tells. */
export interface SettlerDeps {
  held: Held;
  parked: ParkedStore;
  standings: Standings;
  stalls: Pick<SlowSweep, 'stalledWithin'>;
  tasks: TrackedTasks;
  logger: Logger;
  metrics: Pick<Metrics, 'deliveriesParked'>;
  lanes: SettlerLanes;
}

/**
 * What becomes of a delivery once its step returns: what the step taught of its destination
 * is learnt (`Standings`), then its `Settlement` is applied through the item's source — acked
 * once listed, parked for a retry or at the back of the backlog (then acked), or abandoned
 * to be redelivered. Also parks a delivery the lanes will not hold. Which delivery goes when
 * is not decided here.
 */
export class Settler {
  readonly #held: Held;
  readonly #parked: ParkedStore;
  readonly #standings: Standings;
  readonly #stalls: Pick<SlowSweep, 'stalledWithin'>;
  readonly #tasks: TrackedTasks;
  readonly #logger: Logger;
  readonly #metrics: Pick<Metrics, 'deliveriesParked'>;
  readonly #lanes: SettlerLanes;

  constructor(deps: SettlerDeps) {
    this.#held = deps.held;
    this.#parked = deps.parked;
    this.#standings = deps.standings;
    this.#stalls = deps.stalls;
    this.#tasks = deps.tasks;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#lanes = deps.lanes;
  }

  /** Runs a step (an attempt holding `slot`, or a skip) and applies what it returns. */
  run(lane: Lane, item: Item, step: Promise<StepResult>, slot: Slot | null): void {
    lane.busy++;
    this.#tasks.track(
      step
        .then(
          (result) => {
            // An attempt that overlapped a stall of this runner's own event loop says
            // nothing of its destination's speed.
            const overlappedStall =
              result.durationMs !== null && this.#stalls.stalledWithin(result.durationMs, Date.now());
            this.#standings.learn(lane.id, result, overlappedStall);
            this.#apply(lane, item, result);
          },
          (err: unknown) => {
            this.#logger.error(
              { integrationId: lane.id, err: (err as Error).message },
              'delivery step failed',
            );
            this.abandon(lane, item, err as Error);
          },
        )
        .finally(() => {
          lane.busy--;
          this.#lanes.stepEnded(lane, item, slot);
        }),
    );
  }

  /** Sets a delivery aside that the lane will not hold now: parked, or an ordered head held in place for `waitMs`. */
  setAside(lane: Lane, item: Item, waitMs: number): void {
    if (item.source.holdUntil)
      this.#hold(lane, item, Promise.resolve(), Date.now() + Math.max(waitMs, SET_ASIDE_MIN_HOLD_MS));
    else this.parkBacklog(lane, item);
  }

  /** Parks a delivery at the back of its integration's backlog, now. */
  parkBacklog(lane: Lane, item: Item): void {
    this.#held.parkStarted();
    const job: DeliveryJob = item.job.repeat ? item.job : { ...item.job, repeat: true };
    this.#park(lane, item, job, 0, Promise.resolve()).finally(() => this.#held.parkEnded());
  }

  /** Neither done nor parked: the source redelivers it (a parked one is read again). */
  abandon(lane: Lane, item: Item, err: Error): void {
    this.#held.letGo(item.key);
    if (item.parked) lane.parked.rewind(item.parked.level, item.parked.seq);
    item.source.abandon(err);
  }

  /** Applies a step's settlement through the delivery's source, once it is listed. */
  #apply(lane: Lane, item: Item, result: StepResult): void {
    const { settlement } = result;
    if (settlement.kind === 'abandon') this.abandon(lane, item, settlement.error);
    else if (settlement.kind === 'ack') this.#settle(lane, item, result.listed, false);
    // An ordered queue's head: its retry holds the deliveries behind it.
    else if (item.source.holdUntil) this.#hold(lane, item, result.listed, settlement.notBefore);
    else {
      const level = settlement.kind === 'retry' ? settlement.level : 0;
      this.#park(
        lane,
        item,
        { ...item.job, repeat: true, notBefore: settlement.notBefore },
        level,
        result.listed,
      );
    }
  }

  /** Parks `job` at `level` once `after` resolves; the item's source lets it go once JetStream has it. */
  #park(lane: Lane, item: Item, job: DeliveryJob, level: number, after: Promise<void>): Promise<void> {
    if (level === 0) lane.parked.parkingBacklog(1);
    const parked = after
      .then(() => this.#parked.park(job, level))
      .finally(() => {
        if (level === 0) lane.parked.parkingBacklog(-1);
      })
      .then(() => {
        lane.parked.counted(level);
        this.#metrics.deliveriesParked.inc({ level: level === 0 ? 'backlog' : 'retry' });
      });
    return this.#settle(lane, item, parked, true);
  }

  /** Holds an ordered head in place until `notBefore`, once `after` resolves. */
  #hold(lane: Lane, item: Item, after: Promise<void>, notBefore: number): void {
    void this.#settle(lane, item, after, false, () => item.source.holdUntil!(notBefore));
  }

  /** Lets the item's source go (`letGo`, else ack) once `done` resolves; abandons it if it rejects. */
  #settle(
    lane: Lane,
    item: Item,
    done: Promise<void>,
    parked: boolean,
    letGo: (() => void) | null = null,
  ): Promise<void> {
    lane.busy++;
    const task = done
      .then(
        () => {
          this.#held.letGo(item.key);
          // No closure for the common case: this runs for every delivery.
          if (letGo) letGo();
          else item.source.ack();
        },
        (err: Error) => {
          this.#logger.warn(
            { integrationId: lane.id, deliveryId: item.deliveryId, err: err.message },
            'cannot settle the delivery yet; it will be redelivered',
          );
          this.abandon(lane, item, err);
        },
      )
      .finally(() => {
        lane.busy--;
        this.#lanes.settled(lane, parked);
      });
    this.#tasks.track(task);
    return task;
  }
}
