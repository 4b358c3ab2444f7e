/**
 * What the lanes hold in memory, counted in one place: the keys of the deliveries held
 * (a redelivered copy of one is ignored), how many wait in lanes and how many are being
 * parked — together at most `maxQueued` — and the consumers waiting for room below that.
 */
export class Held {
  readonly #maxQueued: number;
  /** Keys of the deliveries held here. */
  readonly #keys = new Set<string>();
  readonly #roomWaiters: Array<() => void> = [];
  /** Deliveries in memory in the lanes, and being parked. */
  #queued = 0;
  #parking = 0;
  /** Set once the lanes stop: nobody waits for room any more. */
  #open = false;

  constructor(maxQueued: number) {
    this.#maxQueued = maxQueued;
  }

  /** Deliveries waiting in memory in the lanes. */
  get queued(): number {
    return this.#queued;
  }

  /** True while a delivery with this key is held here. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** The delivery with this key is held from now on. */
  take(key: string): void {
    this.#keys.add(key);
  }

  /** The delivery with this key is settled, given back or abandoned. */
  letGo(key: string): void {
    this.#keys.delete(key);
  }

  /** `n` more deliveries wait in memory (fewer when negative); room waiters are not woken (see `wake`). */
  countQueued(n: number): void {
    this.#queued += n;
  }

  /** A delivery is being parked: it still counts against `maxQueued` until JetStream has it. */
  parkStarted(): void {
    this.#parking++;
  }

  /** A park is over (stored or not): there may be room. */
  parkEnded(): void {
    this.#parking--;
    this.wake();
  }

  /** Resolves when fewer than `maxQueued` deliveries are held (queued or being parked); null when they are now. */
  room(): Promise<void> | null {
    if (!this.#full() || this.#open) return null;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** The lanes stop: whoever waits for room goes on, and nobody waits from now on. */
  open(): void {
    this.#open = true;
    this.wake();
  }

  /** Wakes the room waiters if there is room (or the lanes stop). */
  wake(): void {
    if (this.#roomWaiters.length === 0 || (this.#full() && !this.#open)) return;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  #full(): boolean {
    return this.#queued + this.#parking >= this.#maxQueued;
  }
}
