import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived the last full GC before it collects
 * again, in percent (`HERALD_HEAP_GROWTH`). V8 picks up to 300 % on its own when the heap
 * limit is large (on any machine with a few GB: the limit follows the memory), and a
 * runner under load promotes much that dies soon after — deliveries queued, in flight or
 * waiting for their listing —, so most of its heap was garbage waiting for a full GC. 100 %
 * cut the throughput runner's peak RSS by about a quarter for about the same CPU; 50 %
 * cost a fifth more CPU per delivery (bench/README.md). See V8's `--heap-growing-percent`.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 100;

/** An operator's own `--heap-growing-percent` (command line or NODE_OPTIONS) is left alone. */
function setByOperator(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const flags = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return flags.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag));
}

/**
 * Sets V8's heap growing factor for this process (0: V8's own choice). V8 reads the flag
 * at every full GC, so setting it once the process runs takes effect from the next one.
 * Returns whether it was set.
 */
export function limitHeapGrowth(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  if (percent <= 0 || setByOperator(execArgv, nodeOptions)) return false;
  setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
  return true;
}
