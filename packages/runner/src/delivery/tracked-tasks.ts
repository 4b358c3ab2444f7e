/**
 * The lanes' work under way that a stop waits for (steps, settlements, parks, parked reads):
 * each task is kept until it settles.
 */
export class TrackedTasks {
  readonly #tasks = new Set<Promise<void>>();

  /** Keeps `task` until it settles. */
  track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /** Waits until every task kept (including those kept meanwhile) has settled, for at most `graceMs`. */
  async settled(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.#tasks.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.#tasks]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
    }
  }
}
