import type { HeraldEvent, HttpRequestSpec, Outcome } from '@herald/core';

/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'retrying' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'retrying', 'failed', 'skipped'];

/**
 * What started an attempt. `recovered` is no try of this runner's: an earlier holder of the
 * delivery stopped (a crash) after it may have sent an attempt and before recording it.
 */
export type AttemptTrigger = 'scheduled' | 'manual' | 'test' | 'replay' | 'recovered';

/** `unknown`: whether the attempt reached the destination cannot be told (see `recovered`). */
export type AttemptOutcome = Outcome['kind'] | 'disable' | 'unknown';

/** One HTTP try, as the log keeps it (secrets masked). */
export interface AttemptRecord {
  number: number;
  trigger: AttemptTrigger;
  at: string;
  durationMs: number;
  request: HttpRequestSpec;
  response: { status: number; headers: Record<string, string>; body: string; truncated: boolean } | null;
  error: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
}

/** One event to one integration, with its counters. */
export interface DeliveryRecord {
  id: string;
  integrationId: string;
  teamId: string;
  eventId: string;
  eventType: string;
  event: HeraldEvent;
  status: DeliveryStatus;
  createdAt: string;
  updatedAt: string;
  attemptCount: number;
  /** Failed attempts so far: the retry schedule's position. */
  failures: number;
  /** Rate-limited waits so far (they use up no retry). */
  rateLimitWaits: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Attempt 1, kept in the record so a delivery that succeeds at once costs one write. */
  firstAttempt?: AttemptRecord;
}

/** A delivery with every attempt, newest last. */
export interface DeliveryDetail extends DeliveryRecord {
  attempts: AttemptRecord[];
}

export interface ListQuery {
  status?: DeliveryStatus;
  cursor?: string | null;
  limit: number;
}

export interface ListPage {
  items: DeliveryRecord[];
  nextCursor: string | null;
}

export interface SaveChanges {
  isNew: boolean;
  enteredStatus: DeliveryStatus | null;
  attempt?: AttemptRecord;
  create?: boolean;
}

/** A stored record; `indexed` resolves once its listing entries are written too. */
export interface Saved {
  indexed: Promise<void>;
}

/** The delivery log as the API, the dashboard and the workers use it. */
export interface DeliveryLog {
  /**
   * Writes the delivery's current record, with the attempt that made it so when there is
   * one. `isNew` adds it to the integration's listing; `create` refuses to overwrite a
   * record that exists already (RecordExistsError).
   */
  save(record: DeliveryRecord, changes: SaveChanges): Promise<Saved>;
  /** Lists a recorded delivery where it belongs, unless it is listed already (after a crash). */
  reindex(record: DeliveryRecord): Promise<void>;
  /** The record as any replica has it: for reading (a replica that restarted may lag). */
  getRecord(integrationId: string, deliveryId: string): Promise<DeliveryRecord | null>;
  /**
   * The record as the bucket's leader has it: for deciding whether a delivery was done.
   * A replica that restarted and has not caught up answers direct gets with what it has.
   */
  currentRecord(integrationId: string, deliveryId: string): Promise<DeliveryRecord | null>;
  getDetail(integrationId: string, deliveryId: string): Promise<DeliveryDetail | null>;
  /** One integration's deliveries, newest first; costs O(page). */
  list(integrationId: string, query: ListQuery): Promise<ListPage>;
  /** Failed and skipped deliveries created since `since`, newest first. */
  replayable(integrationId: string, since: string, statuses: DeliveryStatus[]): Promise<DeliveryRecord[]>;
  /** Notes that a holder gives a delivery's message back unattempted (see GivenBack). */
  markGivenBack(integrationId: string, deliveryId: string, mark: GivenBack): Promise<void>;
  /** The last such note of a delivery, or null (read from the leader, as `currentRecord`). */
  givenBack(integrationId: string, deliveryId: string): Promise<GivenBack | null>;
}

/**
 * A runner gave a delivery's message back to JetStream without attempting it (its partition
 * moved, it stops). JetStream's redelivery then looks like one after a crash; this note,
 * written before the message is given back, tells the next holder that no attempt was made.
 * `key` and `deliveryCount` name the message and the delivery of it that was given back.
 * Only a delivery not held before is marked: otherwise a holder before may have attempted it.
 */
export interface GivenBack {
  key: string;
  deliveryCount: number;
}
