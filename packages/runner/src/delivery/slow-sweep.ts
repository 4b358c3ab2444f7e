import type { FairSlots } from './slots.js';
import type { Standings } from './standing.js';

/** A sweep this much later than due means the event loop stalled. */
const STALL_MS = 200;

/** What the sweep reads and whom it tells. */
export interface SlowSweepDeps {
  /** How often it sweeps. */
  everyMs: number;
  /** An attempt running this long makes its integration slow. */
  slowAttemptMs: number;
  slots: Pick<FairSlots, 'sweep'>;
  standings: Pick<Standings, 'of'>;
  /** The integration became slow: its lane goes on, restricted. */
  becameSlow(integrationId: string): void;
  /** The sweep freed shared slots (moved to the restricted count): they can be filled. */
  swept(): void;
}

/**
 * The slow sweep, and the watch on this runner's own event loop it gives: every `everyMs`,
 * attempts running past the slow threshold make their integrations slow (restricted) and
 * free their shared slots. A sweep later than due by more than `STALL_MS` means the loop
 * stalled and every attempt in flight looks old: for a while nobody is called slow, and an
 * attempt that overlapped the stall teaches nothing of its destination's speed
 * (`stalledWithin`).
 */
export class SlowSweep {
  readonly #deps: SlowSweepDeps;
  readonly #timer: NodeJS.Timeout;
  #lastSweepAt = Date.now();
  /** When the loop was last seen stalled (a sweep ran late). */
  #lastStallAt = 0;

  /** Starts sweeping (the timer is unref'd). */
  constructor(deps: SlowSweepDeps) {
    this.#deps = deps;
    this.#timer = setInterval(() => this.#sweep(), deps.everyMs);
    this.#timer.unref();
  }

  /** Whether the loop stalled within the last `ms` before `now`. */
  stalledWithin(ms: number, now: number): boolean {
    return now - this.#lastStallAt <= ms;
  }

  /** Sweeps no more. */
  stop(): void {
    clearInterval(this.#timer);
  }

  #sweep(): void {
    const now = Date.now();
    const late = now - this.#lastSweepAt - this.#deps.everyMs;
    this.#lastSweepAt = now;
    if (late > STALL_MS) this.#lastStallAt = now;
    const slow = this.#deps.slots.sweep(now);
    for (const slot of slow) {
      // Freed as usual, but nobody is called slow for a stall of our own.
      if (this.stalledWithin(this.#deps.slowAttemptMs, now)) continue;
      this.#deps.standings.of(slot.laneId).slow = true;
      this.#deps.becameSlow(slot.laneId);
    }
    this.#deps.swept();
  }
}
