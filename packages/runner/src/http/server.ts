import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { PortalScope } from '../store/portal-links.js';
import { toErrorResponse } from './errors.js';
import { buildOpenApi, type PlainRoute } from './openapi.js';
import { genReqId, installRequestLog } from './request-log.js';
import { type AnyRoute, bearerAuth, registerRoutes } from './route.js';
import { type ConnectHost, connectRoutes } from './routes/connect.js';
import { connectCallbackDocs, registerConnectCallbacks } from './routes/connect-callback.js';
import type { CompleteHost } from './routes/connect-complete.js';
import { type DeliveryRouteDeps, deliveryRoutes } from './routes/deliveries.js';
import { type EventLogRouteDeps, eventLogRoutes } from './routes/events-log.js';
import { type IntegrationActionDeps, integrationActionRoutes } from './routes/integration-actions.js';
import { type IntegrationRouteDeps, integrationRoutes } from './routes/integrations.js';
import { type PortalLinkRouteDeps, portalLinkRoutes } from './routes/portal-links.js';
import { type TeamRouteDeps, teamRoutes } from './routes/team.js';
import { type TemplatePreviewDeps, templatePreviewRoutes } from './routes/template-preview.js';

/** Largest API request body (an event is at most 256 KiB; leave room for its envelope). */
export const MAX_BODY_BYTES = 512 * 1024;
/** Answered while the service starts or stops (probes need them then). */
const OPERATIONS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** What the /v1 routes use, each group a few of these (see its `…Deps`). */
export type ApiDeps = TeamRouteDeps &
  IntegrationRouteDeps &
  IntegrationActionDeps &
  TemplatePreviewDeps &
  DeliveryRouteDeps &
  PortalLinkRouteDeps &
  EventLogRouteDeps &
  ConnectHost &
  CompleteHost;

/** The runner as the operations endpoints see it (service.ts). */
export interface RunnerStatus {
  /** True once start-up finished, until the stop begins: the API answers 503 outside. */
  readonly started: boolean;
  /** Answered by `/readyz` as it is (200 when `ready`, else 503). */
  readiness(): { ready: boolean };
}

/** What the server is built from; the composition root provides it. */
export interface HttpDeps {
  logger: Logger;
  metrics: Metrics;
  runner: RunnerStatus;
  /** Sets the gauges a scrape reads (gauges.ts). */
  gauges: { refresh(): Promise<void> };
  /** Verifies an API key: its team, or null. */
  apiKeys: { verify(key: string): Promise<string | null> };
  /** Verifies a portal token: its scope, or null (also when portal links are disabled). */
  portalLinks: { verify(token: string): Promise<PortalScope | null> };
  /** The dashboard's CSP `frame-ancestors` sources (HERALD_FRAME_ANCESTORS). */
  frameAncestors: string;
  api: ApiDeps;
}

/** Every API route, in document order. */
export function apiRoutes(api: ApiDeps): AnyRoute[] {
  return [
    ...teamRoutes(api),
    ...integrationRoutes(api),
    ...integrationActionRoutes(api),
    ...templatePreviewRoutes(api),
    ...deliveryRoutes(api),
    ...portalLinkRoutes(api),
    ...eventLogRoutes(api),
    ...connectRoutes(api),
  ];
}

const JSON_TYPE = 'application/json';

/** How `registerOperations` and `/openapi.json` appear in the document. */
const OPERATIONS_DOCS: PlainRoute[] = [
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'The process answers',
    tag: 'operations',
    responses: { 200: { description: 'Alive', type: JSON_TYPE, schema: { type: 'object' } } },
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'The runner works: NATS connected, consumers running',
    tag: 'operations',
    responses: {
      200: { description: 'Ready', type: JSON_TYPE, schema: { type: 'object' } },
      503: {
        description: 'Not ready (starting, stopping, or NATS lost)',
        type: JSON_TYPE,
        schema: { type: 'object' },
      },
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    responses: { 200: { description: 'The text exposition format', type: 'text/plain' } },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'operations',
    responses: { 200: { description: 'OpenAPI 3.1', type: JSON_TYPE, schema: { type: 'object' } } },
  },
];

/**
 * The document a server with `api` serves: its /v1 routes, the connect callbacks and the
 * operations endpoints (the dashboard's page and assets are not API).
 */
export function apiDocument(api: ApiDeps, routes: AnyRoute[] = apiRoutes(api)): Record<string, unknown> {
  return buildOpenApi(routes, api.providers.all(), version, [
    ...OPERATIONS_DOCS,
    ...connectCallbackDocs(api),
  ]);
}

/** Every route fastify registered on a server of `createHttpServer` (its `onRoute` hook). */
const REGISTERED = new WeakMap<FastifyInstance, Array<{ method: string; url: string }>>();

/** The routes `app` serves, HEAD included, as fastify registered them (`/v1/integrations/:id`). */
export function registeredRoutes(app: FastifyInstance): Array<{ method: string; url: string }> {
  return [...(REGISTERED.get(app) ?? [])];
}

/** `/healthz` (the process answers), `/readyz` (it works) and `/metrics` (Prometheus). */
function registerOperations(
  app: FastifyInstance,
  deps: Pick<HttpDeps, 'runner' | 'gauges' | 'metrics'>,
): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const readiness = deps.runner.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/metrics', async (_req, reply) => {
    await deps.gauges.refresh();
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/** The runner's HTTP server: the /v1 API, /openapi.json and the operations endpoints. */
export async function createHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    genReqId,
    requestIdHeader: false,
  });
  const { logger, metrics, runner } = deps;
  const registered: Array<{ method: string; url: string }> = [];
  REGISTERED.set(app, registered);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method, url: route.url });
  });
  // JSON only: anything else is a 415 (fastify also parses text/plain by default).
  app.removeContentTypeParser('text/plain');
  installRequestLog(app, logger, metrics);

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
    if (runner.started || OPERATIONS_ROUTES.has(req.url)) return;
    reply.header('retry-after', '1');
    return reply.code(503).send({
      error: {
        code: 'unavailable',
        message: 'Herald is starting or stopping; try again shortly',
        details: null,
      },
    });
  });

  registerOperations(app, deps);

  const routes = apiRoutes(deps.api);
  registerRoutes(
    app,
    routes,
    bearerAuth(
      (key) => deps.apiKeys.verify(key),
      (token) => deps.portalLinks.verify(token),
    ),
  );
  registerConnectCallbacks(app, deps.api);
  let document: unknown;
  app.get('/openapi.json', async () => {
    document ??= apiDocument(deps.api, routes);
    return document;
  });
  await app.register((await import('./dashboard.js')).dashboard, { frameAncestors: deps.frameAncestors });
  return app;
}
