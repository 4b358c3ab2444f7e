import 'reflect-metadata';
import {
  DELIVERIES_PREFIX,
  DELIVERIES_STREAM,
  deliverySubject,
  EVENTS_STREAM,
  type Integration,
  newId,
} from '@herald/core';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { LeaseManager } from './cluster/leases.js';
import type { HeraldConfig } from './config/config.js';
import { Connections } from './connect/connections.js';
import { hostConnectFlows } from './connect/flows.js';
import { ActorRegistry } from './delivery/actors.js';
import { EgressGuard } from './delivery/egress-guard.js';
import { publishHealthEvent } from './delivery/health-events.js';
import { HttpSender } from './delivery/http-sender.js';
import type { ControlJob, DeliveryJob } from './delivery/job.js';
import { restrictedCeiling } from './delivery/slots.js';
import { sendTestNotification, type TestNotificationResult } from './delivery/test-notification.js';
import { DeliveryWorker, partitionConsumerName } from './delivery/worker.js';
import { Metrics } from './metrics.js';
import { AckedPublisher } from './nats/acked-publisher.js';
import { AckedPurge, PURGE_INTERVAL_MS } from './nats/acked-purge.js';
import { ForgottenAcks } from './nats/forgotten-acks.js';
import {
  BUCKETS,
  type Buckets,
  deliveriesRetentionWarning,
  provisionWithRetry,
  requireJetStream,
} from './nats/provision.js';
import { installWriteCoalescing } from './nats/write-coalescing.js';
import { loadProviders, type ProviderRegistry } from './providers/registry.js';
import { Router } from './router/router.js';
import { AlertThrottle } from './router/throttle.js';
import { settledWithin } from './settled-within.js';
import { natsConnectError, StartupError, shownNatsUrl } from './startup-error.js';
import { KvDeliveryLog } from './store/delivery-log.js';
import type { DeliveryLog, DeliveryRecord } from './store/delivery-records.js';
import { HealthStore } from './store/health.js';
import { IntegrationStore } from './store/integrations.js';
import { TOKENS } from './tokens.js';

/**
 * What a stop may take beyond the grace period (`HERALD_SHUTDOWN_GRACE`): closing HTTP,
 * releasing leases, settling events and draining NATS, each bounded below. After grace +
 * margin the process exits whatever still waits (run.ts).
 */
export const STOP_MARGIN_MS = 5_000;
/** Stopping the router waits this long for events being routed (they are redelivered otherwise). */
const ROUTER_STOP_TIMEOUT_MS = 1_000;
/** After the worker stopped: how long to wait for handed-over events to be settled. */
const SETTLE_TIMEOUT_MS = 1_000;
/** Draining NATS flushes acks and records still buffered; an unreachable server gets this long. */
const DRAIN_TIMEOUT_MS = 1_000;
/** The first connection to NATS: start-up fails (exits) when no server answers within this. */
const CONNECT_TIMEOUT_MS = 5_000;
/** JetStream management calls on a busy cluster (R3 consumers being created) can take seconds. */
const JS_API_TIMEOUT_MS = 15_000;
/**
 * Publishes and KV reads/writes fail after this long: while NATS is down the client drops
 * what it buffered, and a short timeout lets the caller retry instead of stalling.
 */
const JS_DATA_TIMEOUT_MS = 5_000;

/**
 * The composition root: connects to NATS, provisions streams and buckets, loads the
 * providers and wires every part through one tsyringe container. Nothing else in the
 * code base knows tsyringe.
 */
export class HeraldService {
  readonly container: DependencyContainer;
  #started = false;
  #leases: LeaseManager | null = null;
  #purging: NodeJS.Timeout | null = null;

  private constructor(container: DependencyContainer) {
    this.container = container;
  }

  /** Connects, provisions and wires everything; does not start consuming yet. */
  static async create(config: HeraldConfig, logger: Logger, metrics = new Metrics()): Promise<HeraldService> {
    const providers = await loadProviders(config.providers).catch((err: unknown) => {
      throw new StartupError((err as Error).message.split('\n')[0]!, err);
    });
    // Before NATS: a connect flow's half-set variables stop start-up here (a ConfigError
    // listing each problem, like the environment's own).
    const connectFlows = hostConnectFlows(providers, config);
    const coalescing = installWriteCoalescing();
    const nc = await connect({
      servers: config.natsUrl,
      name: 'herald-runner',
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A silent link (cut, or a node gone without a FIN) is noticed in ~15 s, not the
      // default 4 min, and the client moves to another server of the cluster.
      pingInterval: 5_000,
      maxPingOut: 3,
      // nats.js otherwise builds an error with a captured stack for every request, thrown
      // or not: ~17 % of the runner's CPU per delivery (bench/README.md).
      noAsyncTraces: true,
    }).catch((err: unknown) => {
      throw natsConnectError(config.natsUrl, err);
    });
    try {
      // checkAPI off: requireJetStream checks (and waits for a cluster that is electing).
      const jsm = await jetstreamManager(nc, { timeout: JS_API_TIMEOUT_MS, checkAPI: false });
      const version = await requireJetStream(nc, jsm);
      const buckets = await provisionWithRetry(nc, jsm, config, JS_DATA_TIMEOUT_MS);
      logger.info(
        {
          nats: shownNatsUrl(config.natsUrl),
          version,
          providers: providers.types(),
          writeCoalescing: coalescing,
        },
        'connected to NATS',
      );
      const retention = await deliveriesRetentionWarning(jsm).catch(() => null);
      if (retention) logger.warn(retention);
      const c = rootContainer.createChildContainer();
      c.register(TOKENS.config, { useValue: config });
      c.register(TOKENS.logger, { useValue: logger });
      c.register(TOKENS.metrics, { useValue: metrics });
      c.register(TOKENS.nats, { useValue: nc });
      c.register(TOKENS.js, { useValue: jetstream(nc, { timeout: JS_DATA_TIMEOUT_MS }) });
      c.register(TOKENS.jsm, { useValue: jsm });
      c.register(TOKENS.publisher, { useValue: new AckedPublisher(nc, JS_DATA_TIMEOUT_MS) });
      c.register(TOKENS.forgottenDeliveries, {
        useValue: new ForgottenAcks(jsm, DELIVERIES_STREAM, logger),
      });
      c.register(TOKENS.forgottenEvents, { useValue: new ForgottenAcks(jsm, EVENTS_STREAM, logger) });
      c.register(TOKENS.buckets, { useValue: buckets });
      c.register(TOKENS.providers, { useValue: providers });
      c.register(TOKENS.integrations, { useValue: new IntegrationStore(buckets.integrations) });
      c.register(TOKENS.health, { useValue: new HealthStore(buckets.health) });
      c.register(TOKENS.deliveryLog, {
        useValue: new KvDeliveryLog(buckets.log, c.resolve(TOKENS.publisher)),
      });
      c.register(TOKENS.throttle, { useValue: new AlertThrottle(buckets.throttle, buckets.teams) });
      c.register(TOKENS.sender, {
        useValue: new HttpSender({
          guard: new EgressGuard(config.egressAllowCidrs),
          timeoutMs: config.httpTimeoutMs,
          // Many integrations can share one host; a per-host pool smaller than what can be
          // in flight (the shared slots, and the slow attempts counted apart) would let
          // hanging endpoints queue the others behind their sockets.
          connections: config.maxInFlight + restrictedCeiling(config.maxInFlight),
        }),
      });
      c.register(TOKENS.actors, {
        useValue: new ActorRegistry({
          health: c.resolve<HealthStore>(TOKENS.health),
          policy: config.health,
          concurrency: config.concurrencyPerIntegration,
          idleTtlMs: config.idleActorTtlMs,
          onTransition: async (integrationId, transition) => {
            const integration = c.resolve<IntegrationStore>(TOKENS.integrations).byId(integrationId);
            logger.info(
              { integrationId, from: transition.from, to: transition.to, reason: transition.reason },
              'integration health changed',
            );
            if (integration)
              await publishHealthEvent(c.resolve<JetStreamClient>(TOKENS.js), integration, transition);
          },
        }),
      });
      c.register(TOKENS.worker, {
        useValue: new DeliveryWorker({
          js: c.resolve(TOKENS.js),
          jsm: c.resolve(TOKENS.jsm),
          config,
          integrations: c.resolve(TOKENS.integrations),
          providers,
          actors: c.resolve(TOKENS.actors),
          deliveryLog: c.resolve(TOKENS.deliveryLog),
          sender: c.resolve(TOKENS.sender),
          publisher: c.resolve(TOKENS.publisher),
          forgottenAcks: c.resolve(TOKENS.forgottenDeliveries),
          logger,
          metrics,
        }),
      });
      c.register(TOKENS.router, {
        useValue: new Router({
          js: c.resolve(TOKENS.js),
          publisher: c.resolve(TOKENS.publisher),
          forgottenAcks: c.resolve(TOKENS.forgottenEvents),
          direct: (job, from) => c.resolve<DeliveryWorker>(TOKENS.worker).direct(job, from),
          directRoom: () => c.resolve<DeliveryWorker>(TOKENS.worker).directRoom(),
          parksNow: (id) => c.resolve<DeliveryWorker>(TOKENS.worker).parksNow(id),
          parkedBacklog: (id) => c.resolve<DeliveryWorker>(TOKENS.worker).parkedBacklog(id),
          jsm,
          integrations: c.resolve(TOKENS.integrations),
          throttle: c.resolve(TOKENS.throttle),
          partitions: config.partitions,
          ackWaitMs: config.ackWaitMs,
          log: logger,
          metrics,
        }),
      });
      c.register(TOKENS.connections, {
        useValue: new Connections({
          flows: connectFlows,
          kv: buckets.teams,
          sender: c.resolve(TOKENS.sender),
          logger,
        }),
      });
      return new HeraldService(c);
    } catch (err) {
      await nc.close();
      if (err instanceof StartupError) throw err;
      const message = (err as Error).message.split('\n')[0];
      throw new StartupError(`cannot set up JetStream on ${shownNatsUrl(config.natsUrl)}: ${message}`, err);
    }
  }

  get config(): HeraldConfig {
    return this.container.resolve(TOKENS.config);
  }
  get nats(): NatsConnection {
    return this.container.resolve(TOKENS.nats);
  }
  get js(): JetStreamClient {
    return this.container.resolve(TOKENS.js);
  }
  get jsm(): JetStreamManager {
    return this.container.resolve(TOKENS.jsm);
  }
  get buckets(): Buckets {
    return this.container.resolve(TOKENS.buckets);
  }
  get providers(): ProviderRegistry {
    return this.container.resolve(TOKENS.providers);
  }
  get integrations(): IntegrationStore {
    return this.container.resolve(TOKENS.integrations);
  }
  get publisher(): AckedPublisher {
    return this.container.resolve(TOKENS.publisher);
  }
  get deliveryLog(): DeliveryLog {
    return this.container.resolve(TOKENS.deliveryLog);
  }
  get health(): HealthStore {
    return this.container.resolve(TOKENS.health);
  }
  get worker(): DeliveryWorker {
    return this.container.resolve(TOKENS.worker);
  }
  get router(): Router {
    return this.container.resolve(TOKENS.router);
  }
  get throttle(): AlertThrottle {
    return this.container.resolve(TOKENS.throttle);
  }
  get sender(): HttpSender {
    return this.container.resolve(TOKENS.sender);
  }
  get actors(): ActorRegistry {
    return this.container.resolve(TOKENS.actors);
  }
  get metrics(): Metrics {
    return this.container.resolve(TOKENS.metrics);
  }
  get logger(): Logger {
    return this.container.resolve(TOKENS.logger);
  }
  get connections(): Connections {
    return this.container.resolve(TOKENS.connections);
  }

  /**
   * Tells an integration's actor (wherever its partition is owned) to enable, disable
   * or forget it; the message goes through the partition so it applies in order.
   */
  async control(integrationId: string, action: ControlJob['action'], reason?: string): Promise<void> {
    const job: ControlJob = { kind: 'control', integrationId, action, at: new Date().toISOString(), reason };
    await this.js.publish(deliverySubject(integrationId, this.config.partitions), JSON.stringify(job), {
      msgID: `control:${integrationId}:${newId('ctl')}`,
    });
  }

  /** Queues a new attempt of an existing delivery: `manual` (resend, one attempt) or `replay` (a fresh retry schedule). */
  async requeue(record: DeliveryRecord, trigger: 'manual' | 'replay'): Promise<void> {
    const job: DeliveryJob = {
      kind: 'delivery',
      integrationId: record.integrationId,
      teamId: record.teamId,
      event: record.event,
      trigger,
      routedAt: new Date().toISOString(),
      publishedAt: Date.now(),
    };
    await this.js.publish(
      deliverySubject(record.integrationId, this.config.partitions),
      JSON.stringify(job),
      {
        msgID: `${trigger}:${record.id}:${newId('rq')}`,
      },
    );
  }

  /**
   * Sends a test notification to an integration now, outside the queue, and records it
   * in the delivery log (trigger `test`). Returns the attempt as the log keeps it.
   */
  sendTest(integration: Integration): Promise<TestNotificationResult> {
    return sendTestNotification(
      {
        providers: this.providers,
        sender: this.sender,
        deliveryLog: this.deliveryLog,
        headerPrefix: this.config.headerPrefix,
        runnerId: this.config.runnerId,
        metrics: this.metrics,
      },
      integration,
    );
  }

  /** Loads integrations, then starts the delivery workers and the router. */
  async start(): Promise<void> {
    await this.integrations.start();
    // Optimisations that need NATS answers: not waited for, so a recovering cluster does not
    // delay taking partitions (until they are ready, snapshots and records are read).
    const log = (what: string) => (err: Error) =>
      this.logger.warn({ err: err.message }, `${what} not started`);
    void this.health.start().catch(log('health key watch'));
    void this.container
      .resolve<ForgottenAcks>(TOKENS.forgottenDeliveries)
      .start(this.nats)
      .catch(log('horizon'));
    void this.container.resolve<ForgottenAcks>(TOKENS.forgottenEvents).start(this.nats).catch(log('horizon'));
    this.integrations.onChange((_integration, id) => this.worker.forgetPacer(id));
    this.#leases = new LeaseManager({
      kv: this.buckets.leases,
      bucket: BUCKETS.leases,
      jsm: this.jsm,
      partitions: this.config.partitions,
      ttlMs: this.config.leaseTtlMs,
      owner: this.worker,
      logger: this.logger,
      runnerId: this.config.runnerId,
    });
    const leases = this.#leases;
    this.worker.fenceWith(() => leases.fenceExpiring());
    await leases.start();
    await this.router.start();
    const purge = new AckedPurge({
      jsm: this.jsm,
      stream: DELIVERIES_STREAM,
      consumer: partitionConsumerName,
      filter: (p) => `${DELIVERIES_PREFIX}.${p}.*`,
      logger: this.logger,
    });
    let purging = false;
    this.#purging = setInterval(() => {
      if (purging) return;
      purging = true;
      void purge.round(this.worker.partitions).finally(() => (purging = false));
    }, PURGE_INTERVAL_MS);
    this.#purging.unref();
    this.#started = true;
  }

  /** This runner's id in the partition leases, and the partitions it owns. */
  get ownership(): { runnerId: string; partitions: number[] } {
    return { runnerId: this.config.runnerId, partitions: this.#leases?.held ?? [] };
  }

  /** True once `start()` finished, until `stop()` begins: the API answers 503 outside. */
  get started(): boolean {
    return this.#started;
  }

  /** True when NATS is connected and the consumers run. */
  get ready(): boolean {
    return this.#started && !this.nats.isClosed() && this.router.running;
  }

  /**
   * Graceful stop: stop pulling, give the partitions back, let attempts in flight finish
   * for `shutdownGraceMs`, settle and drain. Every step that waits on NATS is bounded, so
   * with NATS unreachable it takes about the grace period plus a few seconds (the leases
   * then expire after the TTL). Safe on a service that was never started.
   */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#purging) clearInterval(this.#purging);
    const { logger } = this;
    const bounded = async (what: string, step: Promise<unknown>, ms: number) => {
      if (!(await settledWithin(step, ms)))
        logger.warn({ step: what, waitedMs: ms }, 'stop step gave up waiting');
    };
    await bounded('router', this.router.stop(), ROUTER_STOP_TIMEOUT_MS);
    // Attempts in flight get the grace period, within the partitions' leases; then the rest.
    const graceEnds = Date.now() + this.config.shutdownGraceMs;
    await this.#leases?.stop(this.config.shutdownGraceMs);
    await this.worker.stop(Math.max(0, graceEnds - Date.now()));
    // The worker handed back what it had not started: the events can be settled now.
    await bounded('settle events', this.router.settled(), SETTLE_TIMEOUT_MS);
    this.actors.stop();
    this.integrations.stop();
    this.health.stop();
    await bounded('close HTTP sender', this.sender.close(), SETTLE_TIMEOUT_MS);
    this.publisher.close();
    if (this.nats.isClosed()) return;
    if (!(await settledWithin(this.nats.drain(), DRAIN_TIMEOUT_MS))) {
      logger.warn({ waitedMs: DRAIN_TIMEOUT_MS }, 'NATS did not drain: closing');
    }
    if (!this.nats.isClosed()) await settledWithin(this.nats.close(), DRAIN_TIMEOUT_MS);
  }
}
