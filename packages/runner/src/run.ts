import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type HeraldConfig, loadConfig } from './config/config.js';
import { DeliveryWorker } from './delivery/worker.js';
import { limitHeapGrowth } from './heap.js';
import { createHttpServer } from './http/server.js';
import type { Resolve } from './injection.js';
import { createLogger } from './logger.js';
import { type HeraldService, STOP_MARGIN_MS } from './service.js';
import { settledWithin } from './settled-within.js';
import { composeHerald } from './start-up.js';
import { listenError, StartupError } from './startup-error.js';
import { Tracing } from './tracing.js';

/** The HTTP server stops accepting at once; requests still running get this long. */
const HTTP_CLOSE_TIMEOUT_MS = 1_000;

export interface RunningHerald {
  service: HeraldService;
  /** The runner's parts by class or token (tests read its stores and metrics). */
  resolve: Resolve;
  http: FastifyInstance;
  url: string;
  /** Stops everything; settles within `shutdownGraceMs` + `STOP_MARGIN_MS` also when NATS is unreachable. */
  stop(): Promise<void>;
}

/**
 * Starts the whole service and returns a handle to stop it. The order makes a failed
 * start harmless: connect, provision and load providers; bind the HTTP port; only then
 * take partitions and route. A failure at any step undoes the steps before it (leases
 * taken are given back, NATS is closed) and throws a `StartupError` with one readable line.
 */
export async function runHerald(
  config: HeraldConfig = loadConfig(),
  logger: Logger = createLogger(config.logLevel),
  given?: Tracing,
): Promise<RunningHerald> {
  const tracing = given ?? (await Tracing.fromEnv());
  const { service, http: httpDeps, resolve } = await composeHerald(config, logger, undefined, tracing);
  let http: FastifyInstance;
  let address: string;
  try {
    http = await createHttpServer(httpDeps);
  } catch (err) {
    await service.stop().catch(() => undefined);
    throw err;
  }
  try {
    address = await http.listen({ port: config.port, host: config.host });
  } catch (err) {
    await settledWithin(http.close(), HTTP_CLOSE_TIMEOUT_MS);
    await service.stop().catch(() => undefined);
    throw listenError(config.host, config.port, err);
  }
  try {
    await service.start();
  } catch (err) {
    await settledWithin(http.close(), HTTP_CLOSE_TIMEOUT_MS);
    await service.stop().catch(() => undefined);
    if (err instanceof StartupError) throw err;
    throw new StartupError(`start-up failed: ${(err as Error).message.split('\n')[0]}`, err);
  }
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  logger.info(
    { url, host: config.host, partitions: resolve(DeliveryWorker).partitions.length },
    'herald is ready',
  );
  let stopping: Promise<void> | null = null;
  return {
    service,
    resolve,
    http,
    url,
    stop: () => {
      stopping ??= (async () => {
        await settledWithin(http.close(), HTTP_CLOSE_TIMEOUT_MS);
        await service.stop();
        // The spans of the last deliveries, before the process exits.
        await settledWithin(tracing.shutdown(), HTTP_CLOSE_TIMEOUT_MS);
      })();
      return stopping;
    },
  };
}

/**
 * Runs until SIGTERM/SIGINT: then a graceful stop and exit 0. The stop is bounded: after
 * `shutdownGraceMs` + `STOP_MARGIN_MS` the process exits 1 whatever is still waiting,
 * and a second signal exits at once.
 */
export async function runUntilSignalled(config: HeraldConfig, logger: Logger): Promise<RunningHerald> {
  // This owns the process (its signals, its exit), so it sets how the process's heap grows.
  limitHeapGrowth(config.heapGrowthPercent);
  const running = await runHerald(config, logger);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    const boundMs = config.shutdownGraceMs + STOP_MARGIN_MS;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: finishing attempts in flight');
    setTimeout(() => {
      logger.error({ boundMs }, 'stop did not finish in time: exiting now');
      process.exit(1);
    }, boundMs).unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running;
}
