import { describe, expect, it } from 'vitest';
import { assignPartitions } from '../src/cluster/assignment.js';
import { describeFigures, runScaleOutScenario } from './support/scale-out-scenario.js';

describe('scale-out on a 3-node NATS cluster', () => {
  it('assigns partitions fairly, and a leaving runner moves few besides its own', () => {
    const members = ['rnr_a', 'rnr_b', 'rnr_c'];
    const before = assignPartitions(64, members);
    const counts = members.map((m) => before.filter((o) => o === m).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(assignPartitions(64, [...members].reverse())).toEqual(before);
    const after = assignPartitions(64, ['rnr_a', 'rnr_c']);
    const theirs = before.filter((o) => o === 'rnr_b').length;
    const moved = after.filter((o, p) => o !== before[p]).length;
    // b's partitions move, and at most a few others to even the shares out.
    expect(moved).toBeGreaterThanOrEqual(theirs);
    expect(moved).toBeLessThanOrEqual(theirs + 8);
    expect(
      Math.abs(after.filter((o) => o === 'rnr_a').length - after.filter((o) => o === 'rnr_c').length),
    ).toBeLessThanOrEqual(1);
  });

  it('3 runners share the partitions; a killed runner’s move; a killed NATS node is survived; a new runner takes a share; nothing is lost', {
    timeout: 180_000,
  }, async () => {
    const figures = await runScaleOutScenario();
    console.log(`scale-out: ${describeFigures(figures)}`);
    expect(figures.lost, figures.missing).toBe(0);
    expect(figures.lateShare).toBe(figures.fairShare);
    // Lease TTL 3 s, lease rounds every second, and a margin.
    expect(figures.failoverMs).toBeLessThan(3_000 + 1_000 + 2_000);
  });
});
