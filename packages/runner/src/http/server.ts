import { createRequire } from 'node:module';
import { DLQ_STREAM } from '@herald/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { HeraldService } from '../service.js';
import { ApiKeyStore } from '../store/api-keys.js';
import { toErrorResponse } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { genReqId, installRequestLog } from './request-log.js';
import { type AnyRoute, bearerAuth, registerRoutes } from './route.js';
import { connectRoutes } from './routes/connect.js';
import { registerConnectCallbacks } from './routes/connect-callback.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { integrationActionRoutes } from './routes/integration-actions.js';
import { integrationRoutes } from './routes/integrations.js';
import { teamRoutes } from './routes/team.js';

/** Largest API request body (an event is at most 256 KiB; leave room for its envelope). */
export const MAX_BODY_BYTES = 512 * 1024;
/** A scrape does not wait longer than this for the DLQ count. */
const DLQ_INFO_TIMEOUT_MS = 1_000;
/** Answered while the service starts or stops (probes need them then). */
const OPERATIONS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface HttpServerOptions {
  /** The API keys to authenticate with; by default the service's HERALD_TEAMS bucket. */
  apiKeys?: ApiKeyStore;
}

/** Every API route, in document order. */
export function apiRoutes(service: HeraldService): AnyRoute[] {
  return [
    ...teamRoutes(service),
    ...integrationRoutes(service),
    ...integrationActionRoutes(service),
    ...deliveryRoutes(service),
    ...connectRoutes(service),
  ];
}

/** The runner's HTTP server: the /v1 API, /openapi.json and the operations endpoints. */
export async function createHttpServer(
  service: HeraldService,
  options: HttpServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    genReqId,
    requestIdHeader: false,
  });
  const logger = service.logger;
  // JSON only: anything else is a 415 (fastify also parses text/plain by default).
  app.removeContentTypeParser('text/plain');
  installRequestLog(app, logger, service.metrics);

  app.setErrorHandler((err, req, reply) => {
    const { status, body, expected } = toErrorResponse(err);
    if (!expected)
      logger.error(
        { reqId: req.id, err: (err as Error).message, stack: (err as Error).stack },
        'request error',
      );
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: null },
    }),
  );

  // The port is bound before partitions are taken (a runner that cannot serve its API must
  // not deliver); until start-up has finished, the API says so rather than answer from
  // half-loaded state.
  app.addHook('onRequest', async (req, reply) => {
    if (service.started || OPERATIONS_ROUTES.has(req.url)) return;
    reply.header('retry-after', '1');
    return reply.code(503).send({
      error: {
        code: 'unavailable',
        message: 'Herald is starting or stopping; try again shortly',
        details: null,
      },
    });
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ready = service.ready;
    return reply.code(ready ? 200 : 503).send({
      ready,
      nats: !service.nats.isClosed(),
      consumers: service.router.running,
      ...service.ownership,
      attemptsInFlight: service.worker.attemptsInFlight,
    });
  });
  app.get('/metrics', async (_req, reply) => {
    service.metrics.pendingDeliveries.set(service.worker.pending);
    service.metrics.attemptsInFlight.set(service.worker.attemptsInFlight);
    for (const [state, n] of Object.entries(service.actors.states()))
      service.metrics.integrationsByState.set({ state }, n);
    const dlq = await Promise.race([
      service.jsm.streams.info(DLQ_STREAM).then(
        (info) => info.state.messages,
        () => null,
      ),
      new Promise<null>((r) => setTimeout(() => r(null), DLQ_INFO_TIMEOUT_MS).unref()),
    ]);
    if (dlq !== null) service.metrics.dlqMessages.set(dlq);
    return reply.type(service.metrics.registry.contentType).send(await service.metrics.registry.metrics());
  });

  const routes = apiRoutes(service);
  const keys = options.apiKeys ?? new ApiKeyStore(service.buckets.teams);
  registerRoutes(
    app,
    routes,
    bearerAuth((key) => keys.verify(key)),
  );
  registerConnectCallbacks(app, service);
  let document: unknown;
  app.get('/openapi.json', async () => {
    document ??= buildOpenApi(routes, service.providers.all(), version);
    return document;
  });
  await app.register((await import('./dashboard.js')).dashboard);
  return app;
}
