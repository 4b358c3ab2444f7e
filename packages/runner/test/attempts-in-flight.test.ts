import { describe, expect, it } from 'vitest';
import { AttemptsInFlight } from '../src/delivery/attempts-in-flight.js';

describe('AttemptsInFlight', () => {
  it('counts attempts until they finish', () => {
    const attempts = new AttemptsInFlight();
    attempts.start('dlv_1', 'int_a');
    attempts.start('dlv_2', 'int_b');
    expect(attempts.size).toBe(2);
    attempts.finish('dlv_1');
    expect(attempts.size).toBe(1);
    expect(attempts.has('dlv_1')).toBe(false);
    expect(attempts.has('dlv_2')).toBe(true);
  });

  it('ending waits for the matching attempts within its time, then aborts those still running, and only those', async () => {
    const attempts = new AttemptsInFlight();
    const finishing = attempts.start('dlv_1', 'int_a');
    const hanging = attempts.start('dlv_2', 'int_a');
    const other = attempts.start('dlv_3', 'int_b');
    setTimeout(() => attempts.finish('dlv_1'), 30);
    const started = performance.now();
    await attempts.end((id) => id === 'int_a', 150);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(finishing.reason).toBeNull();
    expect(hanging.reason?.message).toMatch(/stopped working the partition/);
    expect(other.reason).toBeNull();
  });

  it('returns as soon as nothing that matches is running', async () => {
    const attempts = new AttemptsInFlight();
    const a = attempts.start('dlv_1', 'int_a');
    setTimeout(() => attempts.finish('dlv_1'), 20);
    const started = performance.now();
    await attempts.end(() => true, 5_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(a.reason).toBeNull();
  });
});
