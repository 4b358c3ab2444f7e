import { DELIVERIES_STREAM, DLQ_STREAM, EVENTS_STREAM } from '@herald/core';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { HeraldConfig } from '../config/config.js';
import { BUCKETS, type Buckets, provision, requireJetStream } from '../nats/provision.js';
import { natsConnectError } from '../startup-error.js';

/** How long a CLI command waits for NATS before it gives up. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface CliNats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  buckets: Buckets;
  close(): Promise<void>;
}

async function exists(jsm: JetStreamManager, stream: string): Promise<boolean> {
  try {
    await jsm.streams.info(stream);
    return true;
  } catch {
    return false;
  }
}

/**
 * Connects a CLI command to NATS_URL. Streams and buckets are provisioned (idempotently)
 * only when one is missing, so a command run with another environment than the service
 * never rewrites the retention the service configured.
 */
export async function connectCli(config: HeraldConfig): Promise<CliNats> {
  const nc = await connect({
    servers: config.natsUrl,
    name: 'herald-cli',
    timeout: CONNECT_TIMEOUT_MS,
  }).catch((err: unknown) => {
    throw natsConnectError(config.natsUrl, err);
  });
  try {
    const jsm = await jetstreamManager(nc);
    await requireJetStream(nc, jsm);
    const names = [
      EVENTS_STREAM,
      DELIVERIES_STREAM,
      DLQ_STREAM,
      ...Object.values(BUCKETS).map((b) => `KV_${b}`),
    ];
    const present = await Promise.all(names.map((n) => exists(jsm, n)));
    let buckets: Buckets;
    if (present.every(Boolean)) {
      const kvm = new Kvm(nc);
      const open = (name: string) => kvm.open(name);
      buckets = {
        integrations: await open(BUCKETS.integrations),
        teams: await open(BUCKETS.teams),
        health: await open(BUCKETS.health),
        throttle: await open(BUCKETS.throttle),
        leases: await open(BUCKETS.leases),
        log: await open(BUCKETS.log),
        eventLog: await open(BUCKETS.eventLog),
      };
    } else {
      buckets = await provision(nc, jsm, config);
    }
    return { nc, js: jetstream(nc), jsm, buckets, close: () => nc.close() };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
