import { deliveryIdFor, deliverySubject } from '@herald/core';
import type { AckedPublisher } from '../nats/acked-publisher.js';
import type { DeliveryJob } from './job.js';
import type { Lanes } from './lanes.js';

/** A delivery handed over by the router joins a lane only as long as this (else it goes via the stream). */
const LANE_CAP = 16;
/**
 * Handed-over deliveries held at once before the router waits (ROOM_WAIT_MS) to hand over
 * the next event's; their events stay unacked meanwhile, so this stays below the router's
 * max_ack_pending. A delivery is held until its listing is written (every 250 ms per
 * integration), so this must cover ~¼ s of the runner's rate: at 800 the router waited
 * while the runner idled (2 842 deliveries/s with the runner at 0.83 core; 3 604/s and a
 * busy runner at 2 400). An event let in hands over all its deliveries, so one fan-out is
 * never split between hand-over and the streams by its own siblings.
 */
export const HELD_CAP = 2_400;
/** How long the router waits for room before it publishes the event's deliveries to the partitions instead. */
const ROOM_WAIT_MS = 1_000;

/** What the router knows of the event a handed-over delivery comes from. */
export interface HandOverSource {
  deliveryCount: number;
  mayRepeat: boolean;
  working: () => void;
}

export interface HandOverDeps {
  lanes: Lanes;
  publisher: AckedPublisher;
  partitions: number;
  /** True when this runner consumes the integration's partition now. */
  owns: (integrationId: string) => boolean;
}

/**
 * Deliveries the router hands straight to this runner's lanes, without the hop through
 * the partition's stream: only when this runner owns the integration's partition and the
 * lanes say it would start at once or soon (healthy, not slow, not paused, a short lane
 * with no backlog) — a broken endpoint's deliveries never hold the router's events. A
 * retry is parked like any other; a delivery handed back (partition moved, stopping) goes
 * to the partition's stream.
 */
export class HandOver {
  readonly #deps: HandOverDeps;
  readonly #roomWaiters: Array<() => void> = [];
  #held = 0;
  #stopped = false;

  constructor(deps: HandOverDeps) {
    this.#deps = deps;
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Resolves when the delivery is settled (done, or its retry published); null if not taken. */
  take(job: DeliveryJob, from: HandOverSource): Promise<void> | null {
    const id = job.integrationId;
    const { lanes } = this.#deps;
    if (this.#stopped || !this.#deps.owns(id) || !lanes.takesNow(id, LANE_CAP)) return null;
    const deliveryId = deliveryIdFor(job.event.id, id);
    const key = `r${deliveryId}`;
    if (lanes.has(key)) return null;
    const settled = new Promise<void>((resolve, reject) => {
      lanes.add({
        job,
        deliveryId,
        key,
        deliveryCount: from.deliveryCount,
        mayRepeat: from.mayRepeat,
        // The event came again: this runner's predecessor may have had it handed over.
        heldBefore: from.deliveryCount > 1,
        source: {
          ack: resolve,
          giveBack: () => void this.#giveBack(job, from.deliveryCount > 1).then(resolve, reject),
          abandon: reject,
          working: from.working,
        },
      });
    });
    this.#held++;
    const release = () => {
      this.#held--;
      this.#roomWaiters.shift()?.();
    };
    void settled.then(release, release);
    return settled;
  }

  /**
   * Whether the router may hand over the next event's deliveries: true at once below
   * HELD_CAP; else a promise of true when one settles, or false after ROOM_WAIT_MS (the
   * event's deliveries then go to the partitions). The router's back-pressure: a backlog
   * waits in the events stream rather than being copied to the partitions.
   */
  room(): Promise<boolean> | true {
    if (this.#held < HELD_CAP) return true;
    if (this.#stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        const i = this.#roomWaiters.indexOf(wake);
        if (i >= 0) this.#roomWaiters.splice(i, 1);
        resolve(false);
      }, ROOM_WAIT_MS);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#roomWaiters.push(wake);
    });
  }

  /** Handed back (partition moved, stopping): to the partition's stream, for its owner. */
  async #giveBack(job: DeliveryJob, heldBefore: boolean): Promise<void> {
    // Not attempted here; one held before this runner may have been (`rerouted` keeps that known).
    const copy: DeliveryJob = heldBefore
      ? { ...job, repeat: true, rerouted: true }
      : { ...job, repeat: true };
    await this.#deps.publisher.publish(
      deliverySubject(job.integrationId, this.#deps.partitions),
      JSON.stringify(copy),
      { msgId: `${job.event.id}:${job.integrationId}` },
    );
  }
}
