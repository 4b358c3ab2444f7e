/** What became of an event, as its row in the events log says. */
export type EventOutcome = 'delivered' | 'skipped' | 'unmatched' | 'rejected';
export const EVENT_OUTCOMES: EventOutcome[] = ['delivered', 'skipped', 'unmatched', 'rejected'];

/**
 * Why an integration of the team got no delivery of an event. `event-type` and `project`:
 * its filters leave the event out; `disabled`: it is switched off; `throttled`: the team's
 * alert frequency held the alert back; `own-health`: an `integration:*` event about itself;
 * `content`: its content filter leaves the event's data out.
 */
export type SkipReason = 'event-type' | 'project' | 'content' | 'disabled' | 'throttled' | 'own-health';
export const SKIP_REASONS: SkipReason[] = [
  'event-type',
  'project',
  'content',
  'disabled',
  'throttled',
  'own-health',
];

/** The events log's record of one event, whatever its fan-out (records are written in batches). */
export interface EventRecord {
  /**
   * The row's id in the log (`<batch>-<n>`), given when it is stored: a rejected event may
   * have no id, and an event routed twice (redelivered) is two rows.
   */
  id: string;
  teamId: string;
  /** Null when a rejected payload had no usable one. */
  eventId: string | null;
  type: string | null;
  projectId: string | null;
  occurredAt: string | null;
  /** When the events stream stored it. */
  receivedAt: string;
  routedAt: string;
  outcome: EventOutcome;
  /**
   * The integrations the router made a delivery for. A delivery's id is derived from the
   * event's and the integration's (core's `deliveryIdFor`): reads add it, the hot path
   * does not hash for it.
   */
  deliveredTo: string[];
  /** Integration id → why it got nothing (at most MAX_SKIPS_RECORDED of them). */
  skipped: Record<string, SkipReason>;
  /** How many integrations were skipped, also those beyond the recorded ones. */
  skippedCount: number;
  /** The team's alert frequency when it throttled the event. */
  throttle: { minIntervalSeconds: number } | null;
  /** Why the event went to the dead-letter stream. */
  rejection: { reason: string; error: string; subject: string } | null;
}

/** A record before the log stored it (and gave it its row id). */
export type NewEventRecord = Omit<EventRecord, 'id'>;

/** A record keeps the first this many skipped integrations (a team may have hundreds). */
export const MAX_SKIPS_RECORDED = 100;

export interface EventListQuery {
  type?: string;
  projectId?: string;
  outcome?: EventOutcome;
  cursor?: string | null;
  limit: number;
}

export interface EventPage {
  items: EventRecord[];
  nextCursor: string | null;
}

/** The events log as the router writes it and the API reads it. */
export interface EventLog {
  /**
   * Stores the record, in one write with the team's other records of the moment; resolves
   * once it is stored, with `listed`, which resolves once its listing entries are written
   * too (coalesced with other events' entries).
   */
  record(record: NewEventRecord): Promise<{ listed: Promise<void> }>;
  get(teamId: string, id: string): Promise<EventRecord | null>;
  /** A team's events, newest first; costs O(page). */
  list(teamId: string, query: EventListQuery): Promise<EventPage>;
}
