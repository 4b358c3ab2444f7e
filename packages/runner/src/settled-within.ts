/**
 * Waits for `promise` to settle, or `ms`, whichever comes first; never rejects. Resolves
 * true when the promise settled in time. For steps of a stop that wait on NATS: their
 * work is an optimisation (a lease deleted, a connection drained) that an unreachable
 * server must not turn into a hang.
 */
export function settledWithin(promise: Promise<unknown> | null | undefined, ms: number): Promise<boolean> {
  if (!promise) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
