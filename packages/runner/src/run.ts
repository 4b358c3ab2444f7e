import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type HeraldConfig, loadConfig } from './config/config.js';
import { createHttpServer } from './http/server.js';
import { createLogger } from './logger.js';
import { HeraldService } from './service.js';

export interface RunningHerald {
  service: HeraldService;
  http: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Starts the whole service (NATS, workers, router, HTTP) and returns a handle to stop it. */
export async function runHerald(
  config: HeraldConfig = loadConfig(),
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningHerald> {
  const service = await HeraldService.create(config, logger);
  await service.start();
  const http = await createHttpServer(service);
  const address = await http.listen({ port: config.port, host: config.host });
  const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  logger.info({ url, partitions: service.worker.partitions.length }, 'herald is ready');
  let stopping: Promise<void> | null = null;
  return {
    service,
    http,
    url,
    stop: () => {
      stopping ??= (async () => {
        await http.close();
        await service.stop();
      })();
      return stopping;
    },
  };
}

/** Runs until SIGTERM/SIGINT: then a graceful stop and exit 0; a second signal exits at once. */
export async function runUntilSignalled(config: HeraldConfig, logger: Logger): Promise<RunningHerald> {
  const running = await runHerald(config, logger);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'stopping: finishing attempts in flight');
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
