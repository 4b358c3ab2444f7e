import type { DeliveryJob } from './job.js';

/**
 * Where a delivery held by the worker came from, and how to let it go: a message of its
 * partition's stream, a delivery the router handed over, or an entry of the parked stream.
 */
export interface ItemSource {
  /** The delivery is settled: done, or its next step is safely parked. */
  ack(): void;
  /** Not started here after all (its partition moved, the runner stops): whoever owns it next delivers it. */
  giveBack(): void;
  /** Neither can be said now (the log cannot be written): it comes back by redelivery. */
  abandon(err: Error): void;
  /** Tells JetStream it is being worked on (it waits in a lane). */
  working(): void;
  /**
   * Only an ordered queue's head has it: its retry, or a wait its lane cannot hold, stays in
   * place until `notBefore` (ms), holding the deliveries behind it, instead of being parked.
   */
  holdUntil?(notBefore: number): void;
}

/** One delivery held by the worker. */
export interface Item {
  job: DeliveryJob;
  deliveryId: string;
  /** Its key among the deliveries held here: one key is held once. */
  key: string;
  /** 1 the first time it is handed out. */
  deliveryCount: number;
  /** Handed out for the first time, yet possibly done before (a forgotten ack, a re-routed event, parked). */
  mayRepeat: boolean;
  /**
   * Handed out before to a holder that let it go unsettled (JetStream redelivered it, or its
   * event was routed again): that holder may have sent an attempt and stopped before
   * recording it. False for a parked entry, whose earlier reads nothing tells.
   */
  heldBefore: boolean;
  /** Set when it was read from the parked stream. */
  parked?: { level: number; seq: number };
  source: ItemSource;
}

/**
 * What becomes of a delivery after its step, for the lanes to apply:
 * - `ack`: done (or nothing to do); the source lets it go once it is listed;
 * - `retry`: park it for its `level`-th retry, not before `notBefore`;
 * - `backlog`: park it at the back of its integration's backlog (the destination asked to wait);
 * - `abandon`: the log could not be written; let it be redelivered.
 */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'retry'; level: number; notBefore: number }
  | { kind: 'backlog'; notBefore: number }
  | { kind: 'abandon'; error: Error };

/** What a delivery step returns: what to do with the delivery, and what it taught about its integration. */
export interface StepResult {
  settlement: Settlement;
  /** Resolves when the delivery is listed in the log (settle after it); rejects if it cannot be. */
  listed: Promise<void>;
  /** The destination asked to hold every attempt of the integration until then (ms); null when not. */
  pauseUntil: number | null;
  /** How long the attempt took; null when no request was made. */
  durationMs: number | null;
}
