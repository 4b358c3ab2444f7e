import type { Integration } from './integration.js';

/**
 * How long a switch of `ordered` takes to apply. Routers and the ordered queue's reader
 * each decide by the event's stream timestamp against the integration they know; they
 * know a change within milliseconds (a KV watch), so a switch applies to events published
 * this long after it, and every event is delivered by exactly one of the two paths.
 */
export const ORDERED_SWITCH_GRACE_MS = 10_000;

type Ordering = Pick<Integration, 'ordered' | 'orderedFrom' | 'orderedUntil'>;

/**
 * Whether the event published at `publishedAtMs` (its HERALD_EVENTS timestamp) goes
 * through the integration's ordered queue rather than the router: from `orderedFrom` on
 * while it is ordered; after ordering was switched off, until `orderedUntil`.
 */
export function isOrderedAt(integration: Ordering, publishedAtMs: number): boolean {
  const from =
    integration.orderedFrom === null ? Number.NEGATIVE_INFINITY : Date.parse(integration.orderedFrom);
  if (publishedAtMs < from) return false;
  if (integration.ordered) return true;
  return integration.orderedUntil !== null && publishedAtMs < Date.parse(integration.orderedUntil);
}

/** Whether the integration may have events in an ordered queue (cheap: two property reads). */
export function mayBeOrdered(integration: Partial<Ordering>): boolean {
  return integration.ordered === true || (integration.orderedUntil ?? null) !== null;
}

/**
 * The ordering fields after a user sets `ordered` (at `now`, ms). A new integration is
 * ordered at once (no router knew it before). Switched on, it is ordered from the grace's
 * end; switched on again while a switch-off is still draining, the queue simply goes on.
 * Switched off, its queue keeps the events published until the grace's end.
 */
export function switchOrdering(
  current: Ordering | null,
  ordered: boolean,
  now: number,
  graceMs: number = ORDERED_SWITCH_GRACE_MS,
): Ordering {
  const at = (ms: number) => new Date(ms).toISOString();
  if (current === null) return { ordered, orderedFrom: ordered ? at(now) : null, orderedUntil: null };
  if (current.ordered === ordered)
    return { ordered, orderedFrom: current.orderedFrom, orderedUntil: current.orderedUntil };
  if (ordered) {
    const draining = current.orderedUntil !== null && Date.parse(current.orderedUntil) > now;
    return {
      ordered,
      orderedFrom: draining ? current.orderedFrom : at(now + graceMs),
      orderedUntil: null,
    };
  }
  return { ordered, orderedFrom: current.orderedFrom, orderedUntil: at(now + graceMs) };
}
