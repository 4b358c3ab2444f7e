import { issuesFromZod } from '@herald/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type ApiIssue, type InputLocation, invalidRequest, unauthorized } from './errors.js';

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

/** Reads `Authorization: Bearer <key>` and resolves the caller's team, or throws 401. */
export type Authenticate = (request: FastifyRequest) => Promise<string>;

/** A bearer-token authenticator backed by `verify` (key → team or null). */
export function bearerAuth(verify: (key: string) => Promise<string | null>): Authenticate {
  return async (request) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing API key: send Authorization: Bearer <key>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('malformed Authorization header: expected Bearer <key>');
    const teamId = await verify(match[1]!);
    if (!teamId) throw unauthorized('invalid or revoked API key');
    return teamId;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's team, set by authentication ('' on public routes). */
    teamId: string;
  }
}

/** Registers routes on a fastify instance: authenticate, parse path/query/body, handle. */
export function registerRoutes(app: FastifyInstance, routes: AnyRoute[], authenticate: Authenticate): void {
  if (!app.hasRequestDecorator('teamId')) app.decorateRequest('teamId', '');
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      // Before the body is read: an unauthenticated caller gets 401 whatever it sends.
      onRequest: spec.auth
        ? async (request) => {
            request.teamId = await authenticate(request);
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
