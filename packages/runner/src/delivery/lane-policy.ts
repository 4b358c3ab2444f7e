import { allowedInFlight, type IntegrationMachineSnapshot, stateOf } from '@herald/core';
import type { SlotClass } from './slots.js';
import type { Standing } from './standing.js';

/** Deliveries a lane of an integration that can take them holds in memory; more are parked. */
export const LANE_QUEUE_CAP = 1_000;
/** A paced lane holds what its pace lets go within this long; the rest is parked. */
const PACED_HORIZON_MS = 10_000;
/** A lane whose destination asked to wait longer than this parks what it holds. */
export const PARK_AFTER_WAIT_MS = 1_000;

/** Failing, or slow: one probe at a time, within the restricted share. */
export function isRestricted(snapshot: IntegrationMachineSnapshot, standing: Standing): boolean {
  return standing.slow || stateOf(snapshot) === 'failing';
}

/** Disabled: its deliveries are skipped (a resend still goes). */
export function isDisabled(snapshot: IntegrationMachineSnapshot): boolean {
  return allowedInFlight(snapshot) === 0;
}

/**
 * How many deliveries the lane may hold in memory now — what it can attempt soon: all it
 * gets while its machine loads (trimmed then) or while it skips; none while its destination
 * makes it wait; one probe when restricted; what its pace lets go within 10 s when paced.
 */
export function queueCapOf(
  snapshot: IntegrationMachineSnapshot | undefined,
  standing: Standing,
  now: number,
): number {
  if (!snapshot || isDisabled(snapshot)) return LANE_QUEUE_CAP;
  if (standing.pacer.waitMs(now) > PARK_AFTER_WAIT_MS) return 0;
  if (isRestricted(snapshot, standing)) return 1;
  const perSecond = standing.pacer.perSecond;
  if (perSecond === null) return LANE_QUEUE_CAP;
  return Math.min(LANE_QUEUE_CAP, Math.max(1, Math.ceil((perSecond * PACED_HORIZON_MS) / 1_000)));
}

/** Attempts it may have in flight: one probe when restricted, one until it has answered in time, else its machine's. */
export function attemptLimitOf(snapshot: IntegrationMachineSnapshot, standing: Standing): number {
  if (isRestricted(snapshot, standing) || !standing.proven) return 1;
  return Math.max(1, allowedInFlight(snapshot));
}

/** How it stands for a slot. */
export function slotClassOf(snapshot: IntegrationMachineSnapshot, standing: Standing): SlotClass {
  if (isRestricted(snapshot, standing)) return 'restricted';
  return standing.proven ? 'proven' : 'unproven';
}
