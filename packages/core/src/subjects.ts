import { HeraldError } from './errors.js';
import { isSafeToken } from './ids.js';

export const EVENTS_STREAM = 'HERALD_EVENTS';
export const DELIVERIES_STREAM = 'HERALD_DELIVERIES';
export const DELIVERY_LOG_STREAM = 'HERALD_LOG';
export const DLQ_STREAM = 'HERALD_DLQ';
/** Deliveries that cannot be attempted soon, parked per integration out of the partitions' ack windows. */
export const PARKED_STREAM = 'HERALD_PARKED';

export const EVENTS_PREFIX = 'herald.events';
export const DELIVERIES_PREFIX = 'herald.deliveries';
export const DLQ_PREFIX = 'herald.dlq';
export const PARKED_PREFIX = 'herald.parked';

/** Header that carries the reason an event was dead-lettered. */
export const DLQ_ERROR_HEADER = 'Herald-Error';
/** Header that carries the subject an event was dead-lettered from. */
export const DLQ_SOURCE_SUBJECT_HEADER = 'Herald-Source-Subject';

const EVENT_TYPE = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

/** An unsafe id or a malformed subject. */
export class SubjectError extends HeraldError {
  constructor(message: string) {
    super('invalid_subject', message);
    this.name = 'SubjectError';
  }
}

function assertToken(kind: string, value: string): void {
  if (!isSafeToken(value)) {
    throw new SubjectError(
      `${kind} ${JSON.stringify(value)} is not a subject-safe token ([A-Za-z0-9_-]{1,64})`,
    );
  }
}

/** `build:start` → `build.start`. */
export function eventTypeToTokens(type: string): string {
  if (!EVENT_TYPE.test(type)) throw new SubjectError(`event type ${JSON.stringify(type)} is malformed`);
  return type.replace(':', '.');
}

/** `herald.events.<team>.<project>.<type tokens>` for one event. */
export function eventSubject(teamId: string, projectId: string, type: string): string {
  assertToken('teamId', teamId);
  assertToken('projectId', projectId);
  return `${EVENTS_PREFIX}.${teamId}.${projectId}.${eventTypeToTokens(type)}`;
}

export interface ParsedEventSubject {
  teamId: string;
  projectId: string;
  type: string;
}

/** The inverse of `eventSubject`; throws `SubjectError` on anything else. */
export function parseEventSubject(subject: string): ParsedEventSubject {
  const parts = subject.split('.');
  if (parts.length !== 6 || parts[0] !== 'herald' || parts[1] !== 'events') {
    throw new SubjectError(
      `subject ${JSON.stringify(subject)} is not herald.events.<team>.<project>.<category>.<action>`,
    );
  }
  const [, , teamId, projectId, category, action] = parts as [string, string, string, string, string, string];
  assertToken('teamId', teamId);
  assertToken('projectId', projectId);
  const type = `${category}:${action}`;
  eventTypeToTokens(type);
  return { teamId, projectId, type };
}

/** FNV-1a: a stable, fast hash so every runner computes the same partition. */
export function partitionOf(integrationId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < integrationId.length; i++) {
    h ^= integrationId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** `herald.deliveries.<partition>.<integrationId>`. */
export function deliverySubject(integrationId: string, partitions: number): string {
  assertToken('integrationId', integrationId);
  return `${DELIVERIES_PREFIX}.${partitionOf(integrationId, partitions)}.${integrationId}`;
}

/**
 * `herald.parked.<partition>.<integrationId>.<level>`: level 0 is the integration's backlog
 * (attempted when it has room), level n ≥ 1 deliveries waiting for their n-th retry.
 */
export function parkedSubject(integrationId: string, partitions: number, level: number): string {
  assertToken('integrationId', integrationId);
  return `${PARKED_PREFIX}.${partitionOf(integrationId, partitions)}.${integrationId}.${level}`;
}

/** `herald.dlq.<reason>`. */
export function dlqSubject(reason: string): string {
  assertToken('reason', reason);
  return `${DLQ_PREFIX}.${reason}`;
}
