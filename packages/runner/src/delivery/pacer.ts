import type { RateLimit } from '@herald/core';

/**
 * Paces one integration's attempts at its provider's rate (GCRA: a burst of `count`,
 * then one per `perMs / count`), and holds them while a destination's rate limit runs.
 */
export class Pacer {
  /** Attempts per second it allows; null when unpaced. */
  readonly perSecond: number | null;
  readonly #intervalMs: number;
  readonly #burstMs: number;
  #tat = 0;
  #pausedUntil = 0;

  constructor(limit: RateLimit | null) {
    this.#intervalMs = limit ? limit.perMs / limit.count : 0;
    this.#burstMs = limit ? limit.perMs - this.#intervalMs : 0;
    this.perSecond = limit ? (1_000 * limit.count) / limit.perMs : null;
  }

  /** Until when a destination asked to wait (ms; 0 when it did not). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Takes a slot now and returns 0, or returns how long to wait before asking again. */
  take(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#intervalMs === 0) return 0;
    const tat = Math.max(this.#tat, now);
    const wait = tat - this.#burstMs - now;
    if (wait > 0) return Math.ceil(wait);
    this.#tat = tat + this.#intervalMs;
    return 0;
  }

  /** How long an attempt now would wait (0: it could go), without taking a slot. */
  waitMs(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#intervalMs === 0) return 0;
    return Math.max(0, Math.ceil(Math.max(this.#tat, now) - this.#burstMs - now));
  }

  /** True when the pacer has had nothing to hold for `graceMs`; it can be forgotten. */
  idle(now: number, graceMs = 60_000): boolean {
    return now > Math.max(this.#tat, this.#pausedUntil) + graceMs;
  }

  /** Holds every attempt until `until` (the destination asked us to wait). */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }
}
