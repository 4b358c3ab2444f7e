import {
  DELIVERIES_PREFIX,
  DELIVERIES_STREAM,
  DELIVERY_LOG_STREAM,
  DLQ_PREFIX,
  DLQ_STREAM,
  EVENTS_PREFIX,
  EVENTS_STREAM,
  HeraldError,
  PARKED_PREFIX,
  PARKED_STREAM,
} from '@herald/core';
import {
  DiscardPolicy,
  type JetStreamManager,
  jetstream,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { HeraldConfig } from '../config/config.js';
import { EVENT_LOG_BUCKET } from '../store/event-log.js';

/** JetStream's dedup window for events and deliveries (DESIGN.md: 2 minutes). */
export const DEDUP_WINDOW_MS = 120_000;
/** How long start-up waits for a cluster's JetStream to answer before giving up. */
const JETSTREAM_WAIT_MS = 60_000;
const NS_PER_MS = 1_000_000;
const DAY_MS = 86_400_000;
/** Alert fingerprints older than a day are of no use: the largest throttle interval is shorter. */
const THROTTLE_TTL_MS = DAY_MS;

export const BUCKETS = {
  integrations: 'HERALD_INTEGRATIONS',
  teams: 'HERALD_TEAMS',
  health: 'HERALD_HEALTH',
  throttle: 'HERALD_THROTTLE',
  leases: 'HERALD_LEASES',
  log: DELIVERY_LOG_STREAM,
  eventLog: EVENT_LOG_BUCKET,
} as const;

/** The KV buckets every runner works with. */
export interface Buckets {
  integrations: KV;
  teams: KV;
  health: KV;
  throttle: KV;
  leases: KV;
  log: KV;
  eventLog: KV;
}

/** NATS answers but has no JetStream: Herald cannot run there. */
export class JetStreamUnavailableError extends HeraldError {
  constructor(server: string, cause: unknown) {
    super(
      'jetstream_unavailable',
      `NATS at ${server} has no JetStream: start nats-server with -js (JetStream enabled)`,
      { cause },
    );
    this.name = 'JetStreamUnavailableError';
  }
}

/** Checks that the server has JetStream enabled; throws one clear line if not. */
export async function requireJetStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  waitMs = JETSTREAM_WAIT_MS,
): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await jsm.getAccountInfo();
      return nc.info?.version ?? 'unknown';
    } catch (err) {
      // No responders: this server has no JetStream at all. A timeout: a cluster still
      // electing its JetStream leader (a node just restarted) — wait for it.
      if (!isTimeout(err) || Date.now() > deadline) throw new JetStreamUnavailableError(nc.getServer(), err);
    }
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    const { name, retention: _retention, storage: _storage, ...mutable } = config;
    const changed = Object.entries(mutable).some(
      ([k, v]) =>
        JSON.stringify((info.config as unknown as Record<string, unknown>)[k]) !== JSON.stringify(v),
    );
    if (changed) await jsm.streams.update(name, { ...info.config, ...mutable });
  } catch (err) {
    if ((err as { name?: string }).name !== 'StreamNotFoundError' && !/stream not found/i.test(String(err)))
      throw err;
    await jsm.streams.add(config);
  }
}

async function ensureBucket(
  kvm: Kvm,
  jsm: JetStreamManager,
  name: string,
  replicas: number,
  ttlMs: number,
  history = 1,
): Promise<KV> {
  const kv = await kvm.create(name, { replicas, history, ttl: ttlMs, storage: StorageType.File });
  // `create` opens an existing bucket as it is; bring its limits up to date.
  await ensureStream(jsm, { name: `KV_${name}`, max_age: ttlMs * NS_PER_MS, num_replicas: replicas });
  return kv;
}

/**
 * A deliveries stream created as a work queue (by an earlier Herald) cannot be changed in
 * place; replicated, it can lose deliveries after a node restart (AckedPurge). Returns
 * what to tell the operator, or null when all is well.
 */
export async function deliveriesRetentionWarning(jsm: JetStreamManager): Promise<string | null> {
  const info = await jsm.streams.info(DELIVERIES_STREAM);
  if (info.config.retention !== RetentionPolicy.Workqueue || info.config.num_replicas <= 1) return null;
  return `${DELIVERIES_STREAM} is a replicated work-queue stream: after a NATS node restart it can lose deliveries. Stop the runners, let nothing publish, delete the stream (nats stream rm ${DELIVERIES_STREAM}) once its consumers have no pending messages, and start again: it is re-created with limits retention`;
}

function isTimeout(err: unknown): boolean {
  return (err as Error).name === 'TimeoutError' || /timeout/i.test(String(err));
}

/**
 * A cluster whose nodes are still finding each other: it cannot place replicas yet, or its
 * JetStream leader is being elected.
 */
function isClusterForming(err: unknown): boolean {
  return /no suitable peers for placement|insufficient resources|temporarily unavailable/i.test(String(err));
}

/**
 * `provision`, retried while a cluster is forming or too busy to answer in time (replicated
 * streams being placed right after the cluster formed or a node restarted).
 */
export async function provisionWithRetry(
  nc: NatsConnection,
  jsm: JetStreamManager,
  config: HeraldConfig,
  dataTimeoutMs?: number,
  waitMs = JETSTREAM_WAIT_MS,
): Promise<Buckets> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await provision(nc, jsm, config, dataTimeoutMs);
    } catch (err) {
      if (!(isTimeout(err) || isClusterForming(err)) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Creates or updates (idempotently) Herald's streams and KV buckets: file storage,
 * the configured replicas and retention, a 2-minute dedup window.
 */
export async function provision(
  nc: NatsConnection,
  jsm: JetStreamManager,
  config: HeraldConfig,
  /** Timeout of the buckets' reads and writes; the manager's by default. */
  dataTimeoutMs: number = jsm.getOptions().timeout ?? 5_000,
): Promise<Buckets> {
  const replicas = config.replicas;
  const common = {
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: DEDUP_WINDOW_MS * NS_PER_MS,
  };
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: [`${EVENTS_PREFIX}.>`],
    max_age: config.eventsMaxAgeMs * NS_PER_MS,
    ...common,
  });
  await ensureStream(jsm, {
    name: DELIVERIES_STREAM,
    subjects: [`${DELIVERIES_PREFIX}.>`],
    // Not a work queue: acked deliveries are purged after the dedup window (AckedPurge says why).
    retention: RetentionPolicy.Limits,
    max_age: config.logMaxAgeMs * NS_PER_MS,
    discard: DiscardPolicy.Old,
    ...common,
  });
  await ensureStream(jsm, {
    name: PARKED_STREAM,
    subjects: [`${PARKED_PREFIX}.>`],
    // Entries are deleted as their deliveries settle; a delivery parked longer than its
    // record is kept is of no use.
    max_age: config.logMaxAgeMs * NS_PER_MS,
    ...common,
  });
  await ensureStream(jsm, {
    name: DLQ_STREAM,
    subjects: [`${DLQ_PREFIX}.>`],
    max_age: config.dlqMaxAgeMs * NS_PER_MS,
    ...common,
  });
  // Bucket reads and writes are the data path: they fail fast while NATS is away.
  const kvm = new Kvm(jetstream(nc, { timeout: dataTimeoutMs }));
  return {
    integrations: await ensureBucket(kvm, jsm, BUCKETS.integrations, replicas, 0, 5),
    teams: await ensureBucket(kvm, jsm, BUCKETS.teams, replicas, 0),
    health: await ensureBucket(kvm, jsm, BUCKETS.health, replicas, 0),
    throttle: await ensureBucket(kvm, jsm, BUCKETS.throttle, replicas, THROTTLE_TTL_MS),
    leases: await ensureBucket(kvm, jsm, BUCKETS.leases, replicas, config.leaseTtlMs),
    log: await ensureBucket(kvm, jsm, BUCKETS.log, replicas, config.logMaxAgeMs),
    // Kept as long as the deliveries its rows link to.
    eventLog: await ensureBucket(kvm, jsm, BUCKETS.eventLog, replicas, config.logMaxAgeMs),
  };
}
