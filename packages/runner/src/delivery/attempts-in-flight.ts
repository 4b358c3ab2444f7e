import { AttemptAbort } from './http-sender.js';

/** Why an attempt was aborted when its partition stopped being worked here. */
const STOPPED_WORKING = 'aborted: this runner stopped working the partition (its lease may pass to another)';

/**
 * The attempts started and not yet recorded, each with the abort that ends it: what a
 * crash now would make again (`size`), and what a partition that stops being worked here
 * waits for or aborts (`end`).
 */
export class AttemptsInFlight {
  readonly #running = new Map<string, { integrationId: string; abort: AttemptAbort }>();

  get size(): number {
    return this.#running.size;
  }

  has(deliveryId: string): boolean {
    return this.#running.has(deliveryId);
  }

  /** An attempt starts: the abort its request listens to. */
  start(deliveryId: string, integrationId: string): AttemptAbort {
    const abort = new AttemptAbort();
    this.#running.set(deliveryId, { integrationId, abort });
    return abort;
  }

  finish(deliveryId: string): void {
    this.#running.delete(deliveryId);
  }

  /**
   * Ends the attempts of the integrations that match within `withinMs`: those still
   * running then are aborted (not recorded; their deliveries go to the next owner).
   * 0 aborts them at once. Polls every 20 ms, and only while a partition is let go.
   */
  async end(matches: (integrationId: string) => boolean, withinMs: number): Promise<void> {
    const running = () => [...this.#running.values()].filter((a) => matches(a.integrationId));
    const deadline = performance.now() + withinMs;
    while (performance.now() < deadline && running().length > 0)
      await new Promise((r) => setTimeout(r, Math.min(20, deadline - performance.now())));
    const reason = new Error(STOPPED_WORKING);
    for (const attempt of running()) attempt.abort.abort(reason);
  }
}
