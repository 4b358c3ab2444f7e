import { issuesFromZod } from '@herald/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { isPortalToken, type PortalScope } from '../store/portal-links.js';
import {
  ApiError,
  type ApiIssue,
  type InputLocation,
  invalidRequest,
  notFound,
  unauthorized,
} from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets: the caller's team and the parsed, typed input. */
export interface RouteContext<P, Q, B> {
  teamId: string;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One API operation: its input and output schemas (zod) serve both validation and the
 * OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** Fastify syntax: `/v1/integrations/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** false for public routes (no API key). */
  auth: boolean;
  /** false for routes a portal token may never call (minting links); default true. */
  portal?: boolean;
  /** true for a GET that changes something (a redirect that starts an install): read-only links refuse it. */
  changes?: boolean;
  /** true for a read that shows the whole team (every integration's): refused to a link scoped to one. */
  teamWide?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** The success status and what it returns (no schema: no body). */
  status: number;
  response?: z.ZodType;
  /** Error statuses this route can answer besides 400/401/500, for the document. */
  errors?: number[];
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a list holds routes of every input type
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with typed handler input. */
export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as AnyRoute;
}

const LOCATION_LABEL: Record<InputLocation, string> = {
  body: 'invalid request body',
  query: 'invalid query string',
  path: 'invalid path',
};

function parse(where: InputLocation, schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: ApiIssue[] = issuesFromZod(result.error.issues).map((i) => ({ ...i, in: where }));
  throw invalidRequest(LOCATION_LABEL[where], issues);
}

/** Who is calling: a team, and the portal link's scope when it is a portal token (null for an API key). */
export interface Caller {
  teamId: string;
  portal: PortalScope | null;
}

/** Reads `Authorization: Bearer <key>` and resolves the caller, or throws 401. */
export type Authenticate = (request: FastifyRequest) => Promise<Caller>;

/**
 * A bearer-token authenticator: an API key is checked by `verify` (key → team or null), a
 * portal token (`hp_…`) by `portal` (token → scope or null).
 */
export function bearerAuth(
  verify: (key: string) => Promise<string | null>,
  portal: (token: string) => Promise<PortalScope | null> = async () => null,
): Authenticate {
  return async (request) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing API key: send Authorization: Bearer <key>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('malformed Authorization header: expected Bearer <key>');
    const credential = match[1]!;
    if (isPortalToken(credential)) {
      const scope = await portal(credential);
      if (!scope) throw unauthorized('invalid, expired or revoked portal link');
      return { teamId: scope.teamId, portal: scope };
    }
    const teamId = await verify(credential);
    if (!teamId) throw unauthorized('invalid or revoked API key');
    return { teamId, portal: null };
  };
}

/** Methods that change nothing: all a read-only portal link may call. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Refuses what a portal token may not do on `spec`: a route closed to portals, a write with a
 * read-only link, and, for a link scoped to one integration, any other integration (404, as
 * for another team's) or a team-wide write.
 */
function checkPortalScope(scope: PortalScope, spec: AnyRoute, request: FastifyRequest): void {
  if (spec.portal === false)
    throw new ApiError(403, 'forbidden', 'a portal link cannot call this route; use an API key');
  if (scope.integrationId !== null && spec.path.startsWith('/v1/integrations/:id')) {
    const id = (request.params as { id?: unknown }).id;
    if (id !== scope.integrationId) throw notFound(`integration ${String(id)}`);
  }
  if (scope.integrationId !== null && spec.teamWide)
    throw new ApiError(
      403,
      'out_of_scope',
      `this portal link is limited to integration ${scope.integrationId}`,
    );
  if (!(spec.changes ?? !READ_METHODS.has(spec.method))) return;
  if (scope.readOnly)
    throw new ApiError(403, 'read_only', 'this portal link is read-only: it cannot change anything');
  if (scope.integrationId !== null && !spec.path.startsWith('/v1/integrations/:id'))
    throw new ApiError(
      403,
      'out_of_scope',
      `this portal link is limited to integration ${scope.integrationId}`,
    );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's team, set by authentication ('' on public routes). */
    teamId: string;
    /** The portal link's scope when the caller used one (null for an API key or a public route). */
    portal: PortalScope | null;
  }
}

/** Registers routes on a fastify instance: authenticate, parse path/query/body, handle. */
export function registerRoutes(app: FastifyInstance, routes: AnyRoute[], authenticate: Authenticate): void {
  if (!app.hasRequestDecorator('teamId')) app.decorateRequest('teamId', '');
  if (!app.hasRequestDecorator('portal')) app.decorateRequest('portal', null);
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      // Before the body is read: an unauthenticated caller gets 401 whatever it sends.
      onRequest: spec.auth
        ? async (request) => {
            const caller = await authenticate(request);
            request.teamId = caller.teamId;
            request.portal = caller.portal;
            if (caller.portal) checkPortalScope(caller.portal, spec, request);
          }
        : undefined,
      handler: async (request, reply) => {
        const params = parse('path', spec.params, request.params);
        const query = parse('query', spec.query, request.query);
        // A POST without a body validates as an empty object, so required fields are named.
        const body = parse('body', spec.body, request.body ?? {});
        const result = await spec.handler({ teamId: request.teamId, params, query, body, request, reply });
        reply.code(spec.status);
        return spec.response ? result : reply.send();
      },
    });
  }
}
