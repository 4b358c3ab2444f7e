import { describe, expect, it } from 'vitest';
import { Held } from '../src/delivery/held.js';

/** Whether `p` has resolved once pending callbacks ran. */
async function resolved(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('Held', () => {
  it('has room until queued and parking deliveries reach maxQueued', () => {
    const held = new Held(3);
    held.countQueued(2);
    expect(held.room()).toBeNull();
    held.parkStarted();
    expect(held.room()).not.toBeNull();
    expect(held.queued).toBe(2);
  });

  it('wakes the waiters once there is room again, and only then', async () => {
    const held = new Held(2);
    held.countQueued(2);
    const room = held.room()!;
    held.wake();
    expect(await resolved(room)).toBe(false);
    held.countQueued(-1);
    expect(await resolved(room)).toBe(false); // counting alone wakes nobody
    held.wake();
    expect(await resolved(room)).toBe(true);
  });

  it('wakes the waiters when a park ends', async () => {
    const held = new Held(1);
    held.parkStarted();
    const room = held.room()!;
    held.parkEnded();
    expect(await resolved(room)).toBe(true);
  });

  it('lets every waiter go once opened, full or not, and makes nobody wait after', async () => {
    const held = new Held(1);
    held.countQueued(5);
    const room = held.room()!;
    held.open();
    expect(await resolved(room)).toBe(true);
    expect(held.room()).toBeNull();
  });

  it('knows the keys held until they are let go', () => {
    const held = new Held(10);
    held.take('s1');
    expect(held.has('s1')).toBe(true);
    held.letGo('s1');
    expect(held.has('s1')).toBe(false);
  });
});
