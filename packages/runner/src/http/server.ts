import Fastify, { type FastifyInstance } from 'fastify';
import type { HeraldService } from '../service.js';

/** Largest API request body (an event is at most 256 KiB; leave room for its envelope). */
export const MAX_BODY_BYTES = 512 * 1024;

/** The runner's HTTP server: operations endpoints (and the API, registered by `registerApi`). */
export async function createHttpServer(service: HeraldService): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const ready = service.ready;
    return reply.code(ready ? 200 : 503).send({
      ready,
      nats: !service.nats.isClosed(),
      consumers: service.router.running,
      partitions: service.worker.partitions.length,
    });
  });
  app.get('/metrics', async (_req, reply) => {
    service.metrics.pendingDeliveries.set(service.worker.pending);
    for (const [state, n] of Object.entries(service.actors.states()))
      service.metrics.integrationsByState.set({ state }, n);
    return reply.type(service.metrics.registry.contentType).send(await service.metrics.registry.metrics());
  });
  return app;
}
