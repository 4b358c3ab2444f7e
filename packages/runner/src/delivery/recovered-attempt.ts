import type { AttemptRecord, DeliveryLog, DeliveryRecord } from '../store/delivery-records.js';
import type { Item } from './item.js';

// An attempt a runner sent and did not live to record: the receiver saw it, the log did not.
// On a delivery that may be such a one, the log gets a `recovered` attempt (outcome
// `unknown`) before the real one, so the two can be reconciled.

/** The reason of a `recovered` attempt. */
export const RECOVERED_REASON =
  'the runner handling this attempt stopped before recording its outcome; the destination may have received it';

/**
 * True when an earlier holder of this delivery may have sent the attempt about to be made
 * and stopped before recording it: it was held before (a redelivery, a re-routed event),
 * its record shows no attempt since this message was routed, and no note says the holder
 * gave it back unattempted. Only such deliveries get here (never a plain first delivery),
 * so the hot path pays nothing. A crash cannot tell an attempt in flight from a delivery
 * that only waited in a lane without a write before every attempt: both are marked.
 */
export async function unrecordedBefore(
  log: Pick<DeliveryLog, 'givenBack'>,
  item: Item,
  existing: DeliveryRecord | null,
): Promise<boolean> {
  if (!item.heldBefore) return false;
  if (existing && existing.attemptCount > 0) {
    // A scheduled delivery is attempted first by the message routed for it; a resend or a
    // replay adds attempts to a record older than itself.
    if (item.job.trigger === 'scheduled') return false;
    if (Date.parse(existing.updatedAt) >= Date.parse(item.job.routedAt)) return false;
  }
  const mark = await log.givenBack(item.job.integrationId, item.deliveryId);
  // Given back unattempted by the holder just before this one. nats-server 2.9 does not
  // always count a redelivery after a nak (the giver's pull request dies with it), so the
  // next delivery's count is the mark's or one more.
  return !(mark && mark.key === item.key && item.deliveryCount <= mark.deliveryCount + 1);
}

/**
 * Records that an earlier holder's attempt may have reached the destination (outcome
 * `unknown`, trigger `recovered`) before the real attempt, so the log counts what the
 * receiver may have seen. It uses up no retry and tells the integration's machine nothing.
 */
export async function recordRecovered(
  log: Pick<DeliveryLog, 'save'>,
  record: DeliveryRecord,
  isNew: boolean,
): Promise<{ record: DeliveryRecord; indexed: Promise<void> }> {
  const at = new Date().toISOString();
  const recovered: AttemptRecord = {
    number: record.attemptCount + 1,
    trigger: 'recovered',
    at,
    durationMs: 0,
    // What that holder sent is not known (its headers carried its own time and number).
    request: { method: 'POST', url: '', headers: {}, body: '' },
    response: null,
    error: null,
    outcome: 'unknown',
    reason: RECOVERED_REASON,
  };
  const next: DeliveryRecord = { ...record, attemptCount: recovered.number, updatedAt: at };
  const saved = await log.save(next, {
    isNew,
    enteredStatus: isNew ? next.status : null,
    attempt: recovered,
    create: isNew,
  });
  // Awaited with the real attempt's listing; until then a rejection must not go unheard.
  saved.indexed.catch(() => undefined);
  return { record: next, indexed: saved.indexed };
}
