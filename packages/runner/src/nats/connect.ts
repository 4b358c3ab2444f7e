import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { HeraldConfig } from '../config/config.js';
import { natsConnectError } from '../startup-error.js';
import { type Buckets, provisionWithRetry, requireJetStream } from './provision.js';

/** The first connection to NATS: start-up fails (exits) when no server answers within this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** JetStream management calls on a busy cluster (R3 consumers being created) can take seconds. */
const JS_API_TIMEOUT_MS = 15_000;
/**
 * Publishes and KV reads/writes fail after this long: while NATS is down the client drops
 * what it buffered, and a short timeout lets the caller retry instead of stalling.
 */
export const JS_DATA_TIMEOUT_MS = 5_000;

/** Connects to `NATS_URL`, reconnecting for ever after; a first failure is a `StartupError`. */
export function connectNats(config: HeraldConfig): Promise<NatsConnection> {
  return connect({
    servers: config.natsUrl,
    name: 'herald-runner',
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // A silent link (cut, or a node gone without a FIN) is noticed within 3–4 pings, not
    // the default 4 min, and the client moves to another server of the cluster: soon
    // enough that a runner whose server is cut off comes back and claims a share while
    // the others still take over its partitions (lease TTL 10 s: noticed in 6–8 s).
    pingInterval: pingIntervalMs(config.leaseTtlMs),
    maxPingOut: 3,
    // nats.js otherwise builds an error with a captured stack for every request, thrown
    // or not: ~17 % of the runner's CPU per delivery (bench/README.md).
    noAsyncTraces: true,
  }).catch((err: unknown) => {
    throw natsConnectError(config.natsUrl, err);
  });
}

/** A fifth of the lease TTL, between 1 and 5 s. */
export function pingIntervalMs(leaseTtlMs: number): number {
  return Math.min(5_000, Math.max(1_000, Math.floor(leaseTtlMs / 5)));
}

/**
 * Logs each loss and regain of the connection with the server it concerns: in a cluster,
 * which server a runner was on tells why it stalled (its server cut off, or electing).
 */
export function logConnectionChanges(nc: NatsConnection, logger: Logger): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect')
        logger.warn({ server: status.server }, 'lost the connection to NATS; reconnecting');
      else if (status.type === 'reconnect') logger.info({ server: status.server }, 'reconnected to NATS');
      else if (status.type === 'staleConnection')
        logger.warn({ server: nc.getServer() }, 'the NATS server stopped answering pings; reconnecting');
      else if (status.type === 'ldm')
        logger.info({ server: status.server }, 'the NATS server is shutting down (lame duck); moving');
    }
  })();
}

/** JetStream as the runner uses it, its streams and buckets provisioned. */
export interface OpenedJetStream {
  js: JetStreamClient;
  jsm: JetStreamManager;
  buckets: Buckets;
  /** The server's version. */
  version: string;
}

/** Waits for JetStream (a cluster may be electing), then provisions streams and buckets. */
export async function openJetStream(nc: NatsConnection, config: HeraldConfig): Promise<OpenedJetStream> {
  // checkAPI off: requireJetStream checks (and waits for a cluster that is electing).
  const jsm = await jetstreamManager(nc, { timeout: JS_API_TIMEOUT_MS, checkAPI: false });
  const version = await requireJetStream(nc, jsm);
  const buckets = await provisionWithRetry(nc, jsm, config, JS_DATA_TIMEOUT_MS);
  return { js: jetstream(nc, { timeout: JS_DATA_TIMEOUT_MS }), jsm, buckets, version };
}
