import type { HeraldEvent } from '@herald/core';
import type { AttemptTrigger } from '../store/delivery-records.js';

/** A message on `herald.deliveries.<partition>.<integrationId>`: one event for one integration. */
export interface DeliveryJob {
  kind: 'delivery';
  integrationId: string;
  teamId: string;
  event: HeraldEvent;
  trigger: Exclude<AttemptTrigger, 'test' | 'recovered'>;
  routedAt: string;
  /** When the event entered the events stream (ms), for publish→delivered latency. */
  publishedAt: number;
  /** Not to be attempted before this time (ms): a retry of a delivery the router handed over directly. */
  notBefore?: number;
  /** The delivery may have been attempted already: look its record up first. */
  repeat?: boolean;
  /**
   * Routed again from an event that was delivered to a router before and not acknowledged:
   * a runner that stopped may have attempted this delivery (handed over to it) unrecorded.
   */
  rerouted?: boolean;
  /** W3C trace context of the routing span: each attempt's span is its child. */
  traceparent?: string;
}

/** A user's enable/disable, sent through the partition so the actor's owner applies it in order. */
export interface ControlJob {
  kind: 'control';
  integrationId: string;
  action: 'enable' | 'disable' | 'forget';
  at: string;
  reason?: string;
}

export type PartitionMessage = DeliveryJob | ControlJob;
