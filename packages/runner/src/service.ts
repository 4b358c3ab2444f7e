import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { LeaseManager } from './cluster/leases.js';
import type { HeraldConfig } from './config/config.js';
import { ActorRegistry } from './delivery/actors.js';
import { HttpSender } from './delivery/http-sender.js';
import { DeliveryWorker } from './delivery/worker.js';
import { inject, injectable } from './injection.js';
import { AckedPublisher } from './nats/acked-publisher.js';
import { AckedPurge, PURGE_INTERVAL_MS } from './nats/acked-purge.js';
import type { ForgottenAcks } from './nats/forgotten-acks.js';
import { Router } from './router/router.js';
import { settledWithin } from './settled-within.js';
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

/** What `/readyz` reports. */
export interface Readiness {
  ready: boolean;
  nats: boolean;
  consumers: boolean;
  /** This runner's id in the partition leases, and the partitions it holds. */
  runnerId: string;
  partitions: number[];
  attemptsInFlight: number;
}

/**
 * The runner's lifecycle: starts the parts the composition root built (composition.ts)
 * in an order that makes a failed start harmless, and stops them within a bound.
 */
@injectable()
export class HeraldService {
  #started = false;
  /** Set once leases were asked to start: only then are they given back. */
  #leasing = false;
  #purging: NodeJS.Timeout | null = null;

  // What the lifecycle starts and stops, in the order it starts them.
  constructor(
    @inject(TOKENS.config) private readonly config: HeraldConfig,
    @inject(TOKENS.logger) private readonly logger: Logger,
    @inject(TOKENS.nats) private readonly nats: NatsConnection,
    private readonly integrations: IntegrationStore,
    private readonly health: HealthStore,
    @inject(TOKENS.forgottenDeliveries) private readonly forgottenDeliveries: ForgottenAcks,
    @inject(TOKENS.forgottenEvents) private readonly forgottenEvents: ForgottenAcks,
    private readonly worker: DeliveryWorker,
    private readonly leases: LeaseManager,
    private readonly router: Router,
    private readonly purge: AckedPurge,
    private readonly actors: ActorRegistry,
    private readonly sender: HttpSender,
    private readonly publisher: AckedPublisher,
  ) {}

  /** Loads integrations, then takes partitions and starts the router. */
  async start(): Promise<void> {
    await this.integrations.start();
    // Optimisations that need NATS answers: not waited for, so a recovering cluster does not
    // delay taking partitions (until they are ready, snapshots and records are read).
    const log = (what: string) => (err: Error) =>
      this.logger.warn({ err: err.message }, `${what} not started`);
    void this.health.start().catch(log('health key watch'));
    void this.forgottenDeliveries.start(this.nats).catch(log('horizon'));
    void this.forgottenEvents.start(this.nats).catch(log('horizon'));
    this.integrations.onChange((_integration, id) => this.worker.forgetPacer(id));
    this.#leasing = true;
    await this.leases.start();
    await this.router.start();
    let purging = false;
    this.#purging = setInterval(() => {
      if (purging) return;
      purging = true;
      void this.purge.round(this.worker.partitions).finally(() => (purging = false));
    }, PURGE_INTERVAL_MS);
    this.#purging.unref();
    this.#started = true;
  }

  /** True once `start()` finished, until `stop()` begins: the API answers 503 outside. */
  get started(): boolean {
    return this.#started;
  }

  /** True when NATS is connected and the consumers run. */
  get ready(): boolean {
    return this.#started && !this.nats.isClosed() && this.router.running;
  }

  /** Readiness with what an operator wants beside it: who this runner is and what it works. */
  readiness(): Readiness {
    return {
      ready: this.ready,
      nats: !this.nats.isClosed(),
      consumers: this.router.running,
      runnerId: this.config.runnerId,
      partitions: this.leases.held,
      attemptsInFlight: this.worker.attemptsInFlight,
    };
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
    await this.#bounded('router', this.router.stop(), ROUTER_STOP_TIMEOUT_MS);
    // Attempts in flight get the grace period, within the partitions' leases; then the rest.
    const graceEnds = Date.now() + this.config.shutdownGraceMs;
    if (this.#leasing) await this.leases.stop(this.config.shutdownGraceMs);
    await this.worker.stop(Math.max(0, graceEnds - Date.now()));
    // The worker handed back what it had not started: the events can be settled now.
    await this.#bounded('settle events', this.router.settled(), SETTLE_TIMEOUT_MS);
    this.actors.stop();
    this.integrations.stop();
    this.health.stop();
    await this.#bounded('close HTTP sender', this.sender.close(), SETTLE_TIMEOUT_MS);
    this.publisher.close();
    await this.#drain();
  }

  async #bounded(what: string, step: Promise<unknown>, ms: number): Promise<void> {
    if (!(await settledWithin(step, ms)))
      this.logger.warn({ step: what, waitedMs: ms }, 'stop step gave up waiting');
  }

  /** Flushes what the client still buffers; an unreachable server is closed after the bound. */
  async #drain(): Promise<void> {
    if (this.nats.isClosed()) return;
    if (!(await settledWithin(this.nats.drain(), DRAIN_TIMEOUT_MS))) {
      this.logger.warn({ waitedMs: DRAIN_TIMEOUT_MS }, 'NATS did not drain: closing');
    }
    if (!this.nats.isClosed()) await settledWithin(this.nats.close(), DRAIN_TIMEOUT_MS);
  }
}
