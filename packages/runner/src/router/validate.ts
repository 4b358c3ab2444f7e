import {
  decodeEvent,
  type HeraldEvent,
  InvalidEventError,
  parseEventSubject,
  type SubjectError,
} from '@herald/core';

/**
 * An event message as the router takes it: its payload valid (envelope, known type, data)
 * and its subject saying the same team, project and type; else InvalidEventError, whose
 * reason names the dead-letter subject.
 */
export function validateEventMessage(subject: string, data: Uint8Array): HeraldEvent {
  let parsed: ReturnType<typeof parseEventSubject>;
  try {
    parsed = parseEventSubject(subject);
  } catch (err) {
    throw new InvalidEventError('subject_mismatch', [
      { path: 'subject', message: (err as SubjectError).message },
    ]);
  }
  const event = decodeEvent(data);
  if (event.teamId === parsed.teamId && event.projectId === parsed.projectId && event.event === parsed.type)
    return event;
  const mismatches: Array<{ path: string; message: string }> = (['teamId', 'projectId'] as const)
    .filter((k) => event[k] !== parsed[k])
    .map((k) => ({
      path: k,
      message: `payload says ${JSON.stringify(event[k])}, subject says ${JSON.stringify(parsed[k])}`,
    }));
  if (event.event !== parsed.type) {
    mismatches.push({
      path: 'event',
      message: `payload says ${JSON.stringify(event.event)}, subject says ${JSON.stringify(parsed.type)}`,
    });
  }
  if (mismatches.length > 0) throw new InvalidEventError('subject_mismatch', mismatches);
  return event;
}
