import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

/** A caller's own request id is kept when it looks like one; anything else is replaced. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Query parameters whose values are logged; every other value is redacted. */
const LOGGED_QUERY_PARAMS = new Set(['status', 'limit', 'cursor']);
/** Probes and scrapes come every few seconds: logged at debug level unless they fail. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The request id: the caller's `x-request-id` if it is sane, else a new `req_…`. */
export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && CALLER_REQUEST_ID.test(given)) return given;
  return `req_${randomBytes(9).toString('base64url')}`;
}

/** The URL as logged: path, plus the query with any value that is not known-harmless redacted. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const shown = [...params].map(([k, v]) =>
    LOGGED_QUERY_PARAMS.has(k) ? `${k}=${encodeURIComponent(v)}` : `${k}=[redacted]`,
  );
  return `${url.slice(0, q)}?${shown.join('&')}`;
}

/**
 * One log line per request (method, URL without query secrets, status, duration, team)
 * through the service's logger; bodies and headers are never logged. The request id
 * goes back as `x-request-id`.
 */
export function installRequestLog(app: FastifyInstance, logger: Logger, metrics: Metrics): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1_000);
    const line = {
      reqId: req.id,
      method: req.method,
      url: loggableUrl(req.url),
      status: reply.statusCode,
      durationMs,
      ...(req.teamId ? { teamId: req.teamId } : {}),
      // Which portal link made the request (its id, never its token), for an audit.
      ...(req.portal ? { portalLinkId: req.portal.id } : {}),
    };
    // A 503 is said on purpose (starting, stopping, not ready), and probes poll through it.
    if (reply.statusCode === 503) logger[QUIET_ROUTES.has(route) ? 'debug' : 'warn'](line, 'unavailable');
    else if (reply.statusCode >= 500) logger.error(line, 'request failed');
    else if (QUIET_ROUTES.has(route) && reply.statusCode < 400) logger.debug(line, 'request');
    else logger.info(line, 'request');
  });
}
