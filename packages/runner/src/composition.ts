// Before tsyringe, which refuses to load without it (injection.ts says why).
import 'reflect-metadata';
import { DELIVERIES_PREFIX, DELIVERIES_STREAM, EVENTS_STREAM } from '@herald/core';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import {
  type DependencyContainer,
  type InjectionToken,
  instanceCachingFactory,
  container as rootContainer,
} from 'tsyringe';
import { LeaseManager } from './cluster/leases.js';
import { Commands } from './commands.js';
import type { HeraldConfig } from './config/config.js';
import { Connections } from './connect/connections.js';
import { ConnectFlows } from './connect/flows.js';
import { ActorRegistry } from './delivery/actors.js';
import { EgressGuard } from './delivery/egress-guard.js';
import { HealthPublisher } from './delivery/health-publisher.js';
import { HttpSender } from './delivery/http-sender.js';
import { OrderedQueues } from './delivery/ordered-queue.js';
import { restrictedCeiling } from './delivery/slots.js';
import { DeliveryWorker, partitionConsumerName } from './delivery/worker.js';
import { Gauges } from './gauges.js';
import type { HttpDeps } from './http/server.js';
import type { Class, Resolve, Token } from './injection.js';
import { Metrics } from './metrics.js';
import { AckedPublisher } from './nats/acked-publisher.js';
import { AckedPurge } from './nats/acked-purge.js';
import { JS_DATA_TIMEOUT_MS, type OpenedJetStream } from './nats/connect.js';
import { ForgottenAcks } from './nats/forgotten-acks.js';
import { BUCKETS } from './nats/provision.js';
import { ProviderRegistry } from './providers/registry.js';
import { Router } from './router/router.js';
import { AlertThrottle } from './router/throttle.js';
import { HeraldService } from './service.js';
import { ApiKeyStore } from './store/api-keys.js';
import { KvDeliveryLog } from './store/delivery-log.js';
import { KvEventLog } from './store/event-log.js';
import { HealthStore } from './store/health.js';
import { IntegrationStore } from './store/integrations.js';
import { PortalLinks } from './store/portal-links.js';
import { TOKENS } from './tokens.js';
import { Tracing } from './tracing.js';

// The composition root: the one module that knows the container. Each runner gets a
// child of tsyringe's root container, so several in one process (tests, scale-out
// scenarios) share nothing; in it every part is a singleton. Classes of our own are
// `@injectable()` and built from their constructors; parts whose constructors take an
// options object (most of the delivery wing) are built by a factory here, so their
// files stay free of the container.

type Key<T> = Token<T> | Class<T>;

/** A runner, wired, not yet started. */
export interface ComposedHerald {
  service: HeraldService;
  /** What the HTTP server is built from (http/server.ts). */
  http: HttpDeps;
  /** The runner's parts, for run.ts and tests. */
  resolve: Resolve;
}

function resolverOf(c: DependencyContainer): Resolve {
  return <T>(key: Key<T>) => c.resolve(key as InjectionToken<T>);
}

function value<T>(c: DependencyContainer, key: Key<T>, v: NoInfer<T>): void {
  c.register(key as InjectionToken<T>, { useValue: v });
}

/** One instance, made on first use by `make` from the parts it resolves. */
function factory<T>(c: DependencyContainer, key: Key<T>, make: (get: Resolve) => T): void {
  c.register(key as InjectionToken<T>, { useFactory: instanceCachingFactory((dc) => make(resolverOf(dc))) });
}

/** What start-up made before the container (connected NATS, loaded providers): registered as values. */
export interface StartupValues extends OpenedJetStream {
  config: HeraldConfig;
  logger: Logger;
  metrics: Metrics;
  nats: NatsConnection;
  providers: ProviderRegistry;
  connectFlows: ConnectFlows;
  tracing: Tracing;
}

function registerValues(c: DependencyContainer, made: StartupValues): void {
  value(c, TOKENS.config, made.config);
  value(c, TOKENS.logger, made.logger);
  value(c, Metrics, made.metrics);
  value(c, TOKENS.nats, made.nats);
  value(c, TOKENS.js, made.js);
  value(c, TOKENS.jsm, made.jsm);
  value(c, TOKENS.buckets, made.buckets);
  value(c, ProviderRegistry, made.providers);
  value(c, ConnectFlows, made.connectFlows);
  value(c, Tracing, made.tracing);
}

/** NATS plumbing and the KV stores. */
function registerStores(c: DependencyContainer): void {
  factory(c, AckedPublisher, (get) => new AckedPublisher(get(TOKENS.nats), JS_DATA_TIMEOUT_MS));
  factory(
    c,
    TOKENS.forgottenDeliveries,
    (get) => new ForgottenAcks(get(TOKENS.jsm), DELIVERIES_STREAM, get(TOKENS.logger)),
  );
  factory(
    c,
    TOKENS.forgottenEvents,
    (get) => new ForgottenAcks(get(TOKENS.jsm), EVENTS_STREAM, get(TOKENS.logger)),
  );
  factory(c, IntegrationStore, (get) => new IntegrationStore(get(TOKENS.buckets).integrations));
  factory(c, HealthStore, (get) => new HealthStore(get(TOKENS.buckets).health));
  factory(
    c,
    TOKENS.deliveryLog,
    (get) => new KvDeliveryLog(get(TOKENS.buckets).log, get(AckedPublisher), get(TOKENS.jsm)),
  );
  factory(c, TOKENS.eventLog, (get) => {
    const logger = get(TOKENS.logger);
    return new KvEventLog(get(TOKENS.buckets).eventLog, get(AckedPublisher), (fields, message) =>
      logger.warn(fields, message),
    );
  });
  factory(
    c,
    AlertThrottle,
    (get) => new AlertThrottle(get(TOKENS.buckets).throttle, get(TOKENS.buckets).teams),
  );
  factory(c, ApiKeyStore, (get) => new ApiKeyStore(get(TOKENS.buckets).teams));
  factory(
    c,
    PortalLinks,
    (get) => new PortalLinks(get(TOKENS.buckets).teams, get(TOKENS.config).portalSecret ?? null),
  );
}

/** The sender and the integrations' actors, which the worker and the API share. */
function registerSending(c: DependencyContainer): void {
  factory(c, HttpSender, (get) => {
    const config = get(TOKENS.config);
    return new HttpSender({
      guard: new EgressGuard(config.egressAllowCidrs),
      timeoutMs: config.httpTimeoutMs,
      // Many integrations can share one host; a per-host pool smaller than what can be
      // in flight (the shared slots, and the slow attempts counted apart) would let
      // hanging endpoints queue the others behind their sockets.
      connections: config.maxInFlight + restrictedCeiling(config.maxInFlight),
    });
  });
  c.registerSingleton(HealthPublisher);
  factory(c, ActorRegistry, (get) => {
    const config = get(TOKENS.config);
    const publisher = get(HealthPublisher);
    return new ActorRegistry({
      health: get(HealthStore),
      policy: config.health,
      concurrency: config.concurrencyPerIntegration,
      idleTtlMs: config.idleActorTtlMs,
      onTransition: (integrationId, transition) => publisher.transitioned(integrationId, transition),
    });
  });
}

/** The worker, the partitions' leases and the purge of what they acked. */
function registerWorker(c: DependencyContainer): void {
  factory(
    c,
    DeliveryWorker,
    (get) =>
      new DeliveryWorker({
        js: get(TOKENS.js),
        jsm: get(TOKENS.jsm),
        config: get(TOKENS.config),
        integrations: get(IntegrationStore),
        providers: get(ProviderRegistry),
        actors: get(ActorRegistry),
        deliveryLog: get(TOKENS.deliveryLog),
        sender: get(HttpSender),
        publisher: get(AckedPublisher),
        forgottenAcks: get(TOKENS.forgottenDeliveries),
        throttle: get(AlertThrottle),
        logger: get(TOKENS.logger),
        metrics: get(Metrics),
        tracing: get(Tracing),
      }),
  );
  factory(c, LeaseManager, (get) => {
    const config = get(TOKENS.config);
    const worker = get(DeliveryWorker);
    const leases = new LeaseManager({
      kv: get(TOKENS.buckets).leases,
      bucket: BUCKETS.leases,
      jsm: get(TOKENS.jsm),
      partitions: config.partitions,
      ttlMs: config.leaseTtlMs,
      owner: worker,
      logger: get(TOKENS.logger),
      runnerId: config.runnerId,
    });
    // The two know each other: the leases start and stop the worker's partitions, and
    // the worker fences with the leases before attempts start.
    worker.fenceWith(() => leases.fenceExpiring());
    return leases;
  });
  factory(
    c,
    AckedPurge,
    (get) =>
      new AckedPurge({
        jsm: get(TOKENS.jsm),
        stream: DELIVERIES_STREAM,
        consumer: partitionConsumerName,
        filter: (p) => `${DELIVERIES_PREFIX}.${p}.*`,
        logger: get(TOKENS.logger),
      }),
  );
}

/** The events' router: it hands deliveries straight to this runner's worker when it can. */
function registerRouter(c: DependencyContainer): void {
  factory(c, Router, (get) => {
    const config = get(TOKENS.config);
    const worker = get(DeliveryWorker);
    return new Router({
      js: get(TOKENS.js),
      publisher: get(AckedPublisher),
      forgottenAcks: get(TOKENS.forgottenEvents),
      direct: (job, from) => worker.direct(job, from),
      directRoom: () => worker.directRoom(),
      parksNow: (id) => worker.parksNow(id),
      parkedBacklog: (id) => worker.parkedBacklog(id),
      jsm: get(TOKENS.jsm),
      integrations: get(IntegrationStore),
      eventLog: get(TOKENS.eventLog),
      throttle: get(AlertThrottle),
      partitions: config.partitions,
      ackWaitMs: config.ackWaitMs,
      log: get(TOKENS.logger),
      metrics: get(Metrics),
      tracing: get(Tracing),
    });
  });
}

/** What the API and the operators use, and the lifecycle. */
function registerSurface(c: DependencyContainer): void {
  factory(
    c,
    Connections,
    (get) =>
      new Connections({
        flows: get(ConnectFlows),
        kv: get(TOKENS.buckets).teams,
        sender: get(HttpSender),
        logger: get(TOKENS.logger),
      }),
  );
  c.registerSingleton(Commands);
  c.registerSingleton(OrderedQueues);
  c.registerSingleton(Gauges);
  c.registerSingleton(HeraldService);
}

/** The HTTP server's dependencies: each route group takes the few of them it uses. */
function httpDeps(get: Resolve): HttpDeps {
  const logger = get(TOKENS.logger);
  return {
    logger,
    metrics: get(Metrics),
    runner: get(HeraldService),
    gauges: get(Gauges),
    apiKeys: get(ApiKeyStore),
    portalLinks: get(PortalLinks),
    frameAncestors: get(TOKENS.config).frameAncestors ?? "'none'",
    api: {
      providers: get(ProviderRegistry),
      integrations: get(IntegrationStore),
      health: get(HealthStore),
      connections: get(Connections),
      deliveryLog: get(TOKENS.deliveryLog),
      eventLog: get(TOKENS.eventLog),
      throttle: get(AlertThrottle),
      commands: get(Commands),
      ordered: get(OrderedQueues),
      portalLinks: get(PortalLinks),
      publicUrl: get(TOKENS.config).publicUrl ?? null,
      logger,
    },
  };
}

/** Wires a runner from what start-up made; nothing is started. */
export function wire(made: StartupValues): ComposedHerald {
  const c = rootContainer.createChildContainer();
  registerValues(c, made);
  registerStores(c);
  registerSending(c);
  registerWorker(c);
  registerRouter(c);
  registerSurface(c);
  const resolve = resolverOf(c);
  return { service: resolve(HeraldService), http: httpDeps(resolve), resolve };
}
