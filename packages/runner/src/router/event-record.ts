import { type HeraldEvent, type InvalidEventError, isSafeToken, MAX_EVENT_BYTES } from '@herald/core';
import type { EventOutcome, NewEventRecord } from '../store/event-records.js';
import type { Matched } from './match.js';

/** A rejection's error as the record keeps it (the DLQ header keeps up to 4 000 characters too). */
const MAX_ERROR_CHARS = 2_000;
/** What a type read from a rejected payload may look like to be shown (`build:start`). */
const TYPE_SHAPE = /^[a-z0-9-]{1,32}:[a-z0-9-]{1,32}$/;

/** What the router decided for an event it validated. */
export interface Routed {
  matched: Matched<{ id: string }>;
  /** The team's alert frequency, when it held the alert back. */
  throttledBy: { minIntervalSeconds: number } | null;
  routedAt: string;
  receivedAtMs: number;
}

function outcomeOf({ matched, throttledBy }: Routed): EventOutcome {
  if (throttledBy === null && matched.targets.length > 0) return 'delivered';
  // Someone would have taken it: held back by the team's setting or an integration switched off.
  if (throttledBy !== null || Object.values(matched.skipped).includes('disabled')) return 'skipped';
  return 'unmatched';
}

/** The events log's record of a routed event: its deliveries are the targets' ids. */
export function routedRecord(event: HeraldEvent, routed: Routed): NewEventRecord {
  const { matched, throttledBy } = routed;
  const skipped = { ...matched.skipped };
  let skippedCount = matched.skippedCount;
  const delivered: string[] = [];
  for (const target of matched.targets) {
    if (throttledBy === null) delivered.push(target.id);
    else {
      skipped[target.id] = 'throttled';
      skippedCount++;
    }
  }
  return {
    teamId: event.teamId,
    eventId: event.id,
    type: event.event,
    projectId: event.projectId,
    occurredAt: event.occurredAt,
    receivedAt: new Date(routed.receivedAtMs).toISOString(),
    routedAt: routed.routedAt,
    outcome: outcomeOf(routed),
    deliveredTo: delivered,
    skipped,
    skippedCount,
    throttle: throttledBy,
    rejection: null,
  };
}

/** The team a rejected event's subject names (`herald.events.<team>.…`), if it names one. */
export function teamOfSubject(subject: string): string | null {
  const [herald, events, team] = subject.split('.');
  return herald === 'herald' && events === 'events' && team && isSafeToken(team) ? team : null;
}

/** The envelope fields a rejected payload still has, where they look like what they should be. */
function readable(data: Uint8Array): Record<string, string | undefined> {
  if (data.length > MAX_EVENT_BYTES) return {};
  try {
    const value = JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
    const str = (k: string) => (typeof value?.[k] === 'string' ? (value[k] as string) : undefined);
    const id = str('id');
    const type = str('event');
    const projectId = str('projectId');
    const occurredAt = str('occurredAt');
    return {
      id: id && isSafeToken(id) ? id : undefined,
      type: type && TYPE_SHAPE.test(type) ? type : undefined,
      projectId: projectId && isSafeToken(projectId) ? projectId : undefined,
      occurredAt: occurredAt && !Number.isNaN(Date.parse(occurredAt)) ? occurredAt : undefined,
    };
  } catch {
    return {};
  }
}

/** The record of an event rejected to the dead-letter stream, for the team its subject names. */
export function rejectedRecord(
  teamId: string,
  msg: { subject: string; data: Uint8Array; seq: number; receivedAtMs: number },
  err: InvalidEventError,
): NewEventRecord {
  const fields = readable(msg.data);
  const now = new Date().toISOString();
  return {
    teamId,
    eventId: fields.id ?? null,
    type: fields.type ?? null,
    projectId: fields.projectId ?? null,
    occurredAt: fields.occurredAt ?? null,
    receivedAt: new Date(msg.receivedAtMs).toISOString(),
    routedAt: now,
    outcome: 'rejected',
    deliveredTo: [],
    skipped: {},
    skippedCount: 0,
    throttle: null,
    rejection: {
      reason: err.reason,
      error: err.message.replace(/[\r\n]+/g, ' ').slice(0, MAX_ERROR_CHARS),
      subject: msg.subject,
    },
  };
}
