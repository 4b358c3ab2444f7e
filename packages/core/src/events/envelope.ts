import { z } from 'zod';
import { issuesFromZod, ValidationError, type ValidationIssue } from '../errors.js';
import { SAFE_TOKEN } from '../ids.js';
import { EVENT_CATALOGUE, type EventData, type EventType, isEventType } from './catalogue.js';

/** Largest event payload accepted, in bytes (DESIGN.md). */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The project id of team-wide events (billing, integration health) that belong to no project. */
export const TEAM_SCOPE = '_team';

const envelopeSchema = z.object({
  id: z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}'),
  event: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  teamId: z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}'),
  projectId: z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}'),
  data: z.record(z.string(), z.unknown()),
});

/** An event as published by the platform (or by Herald itself for `integration:*`). */
export interface HeraldEvent<T extends EventType = EventType> {
  id: string;
  event: T;
  occurredAt: string;
  teamId: string;
  projectId: string;
  data: EventData<T>;
}

/** Why an event was refused; doubles as the DLQ subject token. */
export type InvalidEventReason = 'bad_json' | 'too_large' | 'unknown_type' | 'schema' | 'subject_mismatch';

/** An event that failed validation, with the reason the router files it under. */
export class InvalidEventError extends ValidationError {
  readonly reason: InvalidEventReason;

  constructor(reason: InvalidEventReason, issues: ValidationIssue[]) {
    super(`invalid_event.${reason}`, `invalid event (${reason})`, issues);
    this.name = 'InvalidEventError';
    this.reason = reason;
  }
}

/** Validates an already-parsed value as a Herald event: envelope, known type, then `data`. */
export function parseEvent(value: unknown): HeraldEvent {
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) throw new InvalidEventError('schema', issuesFromZod(envelope.error.issues));
  const { event } = envelope.data;
  if (!isEventType(event)) {
    throw new InvalidEventError('unknown_type', [
      { path: 'event', message: `unknown event type ${JSON.stringify(event)}` },
    ]);
  }
  const data = EVENT_CATALOGUE[event].safeParse(envelope.data.data);
  if (!data.success) {
    throw new InvalidEventError(
      'schema',
      issuesFromZod(data.error.issues).map((i) => ({ ...i, path: i.path ? `data.${i.path}` : 'data' })),
    );
  }
  return { ...envelope.data, event, data: data.data } as HeraldEvent;
}

/** One decoder for every event: making one per call opens a converter each time; `decode` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates raw bytes: size, UTF-8 JSON, then `parseEvent`. */
export function decodeEvent(bytes: Uint8Array): HeraldEvent {
  if (bytes.byteLength > MAX_EVENT_BYTES) {
    throw new InvalidEventError('too_large', [
      { path: '', message: `payload is ${bytes.byteLength} bytes; the limit is ${MAX_EVENT_BYTES}` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (err) {
    throw new InvalidEventError('bad_json', [
      { path: '', message: `not UTF-8 JSON: ${(err as Error).message}` },
    ]);
  }
  return parseEvent(value);
}
