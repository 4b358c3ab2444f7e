import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { HeraldConfig } from './config/config.js';
import { token } from './injection.js';
import type { ForgottenAcks } from './nats/forgotten-acks.js';
import type { Buckets } from './nats/provision.js';
import type { DeliveryLog } from './store/delivery-records.js';
import type { EventLog } from './store/event-records.js';

/**
 * Tokens of what the composition root holds that is not a class of its own: values made
 * at start-up, interfaces, and classes registered twice. Everything else is injected by
 * its class.
 */
export const TOKENS = {
  config: token<HeraldConfig>('config'),
  logger: token<Logger>('logger'),
  nats: token<NatsConnection>('nats'),
  js: token<JetStreamClient>('js'),
  jsm: token<JetStreamManager>('jsm'),
  buckets: token<Buckets>('buckets'),
  deliveryLog: token<DeliveryLog>('deliveryLog'),
  eventLog: token<EventLog>('eventLog'),
  /** The horizon of the deliveries stream's acks (the worker's). */
  forgottenDeliveries: token<ForgottenAcks>('forgottenDeliveries'),
  /** The horizon of the events stream's acks (the router's). */
  forgottenEvents: token<ForgottenAcks>('forgottenEvents'),
} as const;
