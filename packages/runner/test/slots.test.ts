import { describe, expect, it } from 'vitest';
import { FairSlots, type Slot, type SlotClass } from '../src/delivery/slots.js';

/** Lanes with a class and a count of deliveries that want a slot. */
function lanes(spec: Record<string, { cls: SlotClass; want: number }>) {
  const state = new Map(Object.entries(spec).map(([id, s]) => [id, { ...s }]));
  return {
    classOf: (id: string) => {
      const lane = state.get(id)!;
      return lane.want > 0 ? lane.cls : null;
    },
    take: (id: string) => {
      state.get(id)!.want--;
    },
    set: (id: string, cls: SlotClass) => {
      state.get(id)!.cls = cls;
    },
  };
}

/** Hands out slots until none can go; re-queues a lane that still wants one, as the lanes do. */
function drain(slots: FairSlots, l: ReturnType<typeof lanes>, now: number): Slot[] {
  const taken: Slot[] = [];
  for (let slot = slots.next(l.classOf, now); slot; slot = slots.next(l.classOf, now)) {
    l.take(slot.laneId);
    taken.push(slot);
    if (l.classOf(slot.laneId) !== null) slots.enqueue(slot.laneId);
  }
  return taken;
}

describe('fair slots', () => {
  it('hands slots out in turn: a lane that just finished goes to the back of the queue', () => {
    const slots = new FairSlots({ maxInFlight: 2, restrictedShare: 0.5, slowAfterMs: 1_000 });
    const l = lanes({
      a: { cls: 'proven', want: 10 },
      b: { cls: 'proven', want: 10 },
      c: { cls: 'proven', want: 10 },
    });
    for (const id of ['a', 'b', 'c']) slots.enqueue(id);
    const order: string[] = [];
    let inFlight = drain(slots, l, 0);
    order.push(...inFlight.map((s) => s.laneId));
    for (let i = 0; i < 6; i++) {
      // The oldest attempt finishes; its lane queues again behind the others.
      const done = inFlight.shift()!;
      slots.release(done);
      const more = drain(slots, l, 0);
      order.push(...more.map((s) => s.laneId));
      inFlight = [...inFlight, ...more];
    }
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b']);
  });

  it('lets restricted lanes hold at most their share, whatever their number', () => {
    const slots = new FairSlots({ maxInFlight: 8, restrictedShare: 0.25, slowAfterMs: 1_000 });
    const spec: Record<string, { cls: SlotClass; want: number }> = {};
    for (let i = 0; i < 40; i++) spec[`broken${i}`] = { cls: 'restricted', want: 1 };
    spec.fine = { cls: 'proven', want: 100 };
    const l = lanes(spec);
    for (const id of Object.keys(spec)) slots.enqueue(id);
    const taken = drain(slots, l, 0);
    expect(taken.filter((s) => s.class === 'restricted')).toHaveLength(2);
    // The healthy lane gets every other slot, although it queued last.
    expect(taken.filter((s) => s.laneId === 'fine')).toHaveLength(6);
    // A restricted slot freed brings the next restricted lane in line back to the queue,
    // behind the healthy lane: two slots freed, one each.
    slots.release(taken.find((s) => s.class === 'restricted')!);
    slots.release(taken.find((s) => s.laneId === 'fine')!);
    const next = drain(slots, l, 0);
    expect(next.map((s) => s.laneId)).toEqual(['fine', 'broken2']);
  });

  it('keeps part of the slots for proven lanes while unproven ones take the rest', () => {
    const slots = new FairSlots({ maxInFlight: 8, restrictedShare: 0.25, slowAfterMs: 1_000 });
    const spec: Record<string, { cls: SlotClass; want: number }> = {};
    for (let i = 0; i < 20; i++) spec[`new${i}`] = { cls: 'unproven', want: 1 };
    const l = lanes(spec);
    for (const id of Object.keys(spec)) slots.enqueue(id);
    expect(drain(slots, l, 0)).toHaveLength(6);
    expect(slots.inFlight.shared).toBe(6);
  });

  it('moves an unanswered unproven attempt out of the shared slots after 250 ms, and calls it slow at the threshold', () => {
    const slots = new FairSlots({
      maxInFlight: 4,
      restrictedShare: 0.25,
      slowAfterMs: 1_000,
      unprovenPatienceMs: 250,
    });
    const spec: Record<string, { cls: SlotClass; want: number }> = {};
    for (let i = 0; i < 10; i++) spec[`hang${i}`] = { cls: 'unproven', want: 1 };
    spec.late = { cls: 'unproven', want: 1 };
    const l = lanes(spec);
    for (const id of Object.keys(spec)) slots.enqueue(id);
    const first = drain(slots, l, 0);
    expect(first.map((s) => s.laneId)).toEqual(['hang0', 'hang1', 'hang2']);
    expect(slots.sweep(249)).toEqual([]);
    expect(slots.inFlight).toEqual({ shared: 3, restricted: 0 });
    // Not answered within 250 ms: counted restricted, the shared slots free for the next lanes.
    expect(slots.sweep(250)).toEqual([]);
    expect(slots.inFlight).toEqual({ shared: 0, restricted: 3 });
    expect(drain(slots, l, 250).map((s) => s.laneId)).toEqual(['hang3', 'hang4', 'hang5']);
    slots.sweep(500);
    expect(drain(slots, l, 500).map((s) => s.laneId)).toEqual(['hang6', 'hang7', 'hang8']);
    slots.sweep(750);
    expect(drain(slots, l, 750).map((s) => s.laneId)).toEqual(['hang9', 'late']);
    // At the slow threshold the first three are slow (their lanes become restricted).
    const slow = slots.sweep(1_000);
    expect(slow.map((s) => s.laneId).sort()).toEqual(['hang0', 'hang1', 'hang2']);
    expect(slots.sweep(1_100)).toEqual([]);
  });

  it('moves a proven attempt only when it is slow', () => {
    const slots = new FairSlots({ maxInFlight: 2, restrictedShare: 0.5, slowAfterMs: 1_000 });
    const l = lanes({ a: { cls: 'proven', want: 1 } });
    slots.enqueue('a');
    const [slot] = drain(slots, l, 0);
    expect(slots.sweep(999)).toEqual([]);
    expect(slots.inFlight).toEqual({ shared: 1, restricted: 0 });
    expect(slots.sweep(1_000)).toEqual([slot]);
    expect(slots.inFlight).toEqual({ shared: 0, restricted: 1 });
    slots.release(slot!);
    expect(slots.inFlight).toEqual({ shared: 0, restricted: 0 });
  });

  it('queues a lane waiting for its share again when its class changes', () => {
    const slots = new FairSlots({ maxInFlight: 4, restrictedShare: 0.25, slowAfterMs: 1_000 });
    const l = lanes({ r1: { cls: 'restricted', want: 1 }, r2: { cls: 'restricted', want: 1 } });
    slots.enqueue('r1');
    slots.enqueue('r2');
    const [held] = drain(slots, l, 0);
    expect(held!.laneId).toBe('r1');
    // r2 waits for the restricted share; it recovers and asks again: it goes at once.
    l.set('r2', 'proven');
    slots.enqueue('r2');
    expect(drain(slots, l, 0).map((s) => s.laneId)).toEqual(['r2']);
    // The stale restricted-queue entry is not handed a slot twice.
    slots.release(held!);
    expect(drain(slots, l, 0)).toEqual([]);
  });
});
