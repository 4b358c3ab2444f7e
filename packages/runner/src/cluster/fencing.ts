/**
 * A runner stops working a partition this long before its lease could expire at the
 * earliest (the last renewal's send + TTL): the time to stop starting attempts, plus room
 * for the two machines' clocks running at slightly different rates. A quarter of the TTL.
 */
export function fenceMarginMs(ttlMs: number): number {
  return Math.floor(ttlMs / 4);
}

/**
 * The leases a runner holds, each with its revision and the moment (`performance.now()`)
 * after which it may have expired on the server and passed to another runner: the last
 * renewal's send + TTL − the fence margin.
 */
export class HeldLeases {
  readonly #ttlMs: number;
  readonly #revisions = new Map<number, number>();
  readonly #validUntil = new Map<number, number>();
  #earliestValidUntil = Number.POSITIVE_INFINITY;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Held partitions, in order. */
  get partitions(): number[] {
    return [...this.#revisions.keys()].sort((a, b) => a - b);
  }

  has(partition: number): boolean {
    return this.#revisions.has(partition);
  }

  revisionOf(partition: number): number | undefined {
    return this.#revisions.get(partition);
  }

  /** How long the partition's lease is still safe to act on (≤ 0: no longer). */
  validForMs(partition: number, now = performance.now()): number {
    return (this.#validUntil.get(partition) ?? 0) - now;
  }

  entries(): IterableIterator<[number, number]> {
    return this.#revisions.entries();
  }

  /** A lease written (claimed or renewed) with a request sent at `sentAt`. */
  hold(partition: number, revision: number, sentAt: number): void {
    this.#revisions.set(partition, revision);
    this.#validUntil.set(partition, sentAt + this.#ttlMs - fenceMarginMs(this.#ttlMs));
    this.#earliestValidUntil = Math.min(...this.#validUntil.values());
  }

  forget(partition: number): void {
    this.#revisions.delete(partition);
    this.#validUntil.delete(partition);
    this.#earliestValidUntil = Math.min(Number.POSITIVE_INFINITY, ...this.#validUntil.values());
  }

  /** Partitions whose lease may have expired by `now`; costs one comparison while none has. */
  expired(now: number): number[] {
    if (now < this.#earliestValidUntil) return [];
    return [...this.#validUntil].filter(([, until]) => now >= until).map(([p]) => p);
  }
}
