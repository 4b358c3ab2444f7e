import type { AnyProvider } from '@herald/core';
import { z } from 'zod';
import type { AnyRoute } from './route.js';
import { API_SCHEMAS, errorSchema } from './schemas.js';

type Json = Record<string, unknown>;

/**
 * A route fastify serves beside the `defineRoute` ones (operations, connect callbacks):
 * it answers no JSON of a zod schema, so its entry in the document is written by hand.
 */
export interface PlainRoute {
  method: 'GET';
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Query parameters, all optional strings. */
  query?: string[];
  /** By status: what it means and, when there is a body, its content type and schema. */
  responses: Record<number, { description: string; type?: string; schema?: Json }>;
}

const COMPONENTS = '#/components/schemas/';
const ERROR_REF = { $ref: `${COMPONENTS}Error` };
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; details name each field',
  401: 'Missing, invalid or revoked API key (or portal link)',
  403: 'A portal link past its rights (read-only, one integration, or a route it may not call), or portal links are disabled',
  404: 'Not found (or another team’s)',
  409: 'Changed concurrently; read and retry',
  413: 'Body too large',
  415: 'Body is not JSON',
  500: 'Internal error',
};

/**
 * Converts a zod schema to JSON Schema (2020-12, as OpenAPI 3.1 uses). Named schemas
 * land in `components` and are referenced, whatever `$defs` zod put them in.
 */
function toJson(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const json = z.toJSONSchema(schema, { io, metadata: API_SCHEMAS, unrepresentable: 'any' }) as Json;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  for (const [id, def] of Object.entries(defs))
    components[io === 'input' ? `${id}Input` : id] ??= rewrite(def, io);
  delete json.$defs;
  delete json.$schema;
  return rewrite(json, io);
}

function rewrite(value: Json, io: 'input' | 'output'): Json {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) {
        out[k] =
          k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')
            ? `${COMPONENTS}${x.slice(8)}${io === 'input' ? 'Input' : ''}`
            : walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(value) as Json;
}

function parametersOf(route: AnyRoute, components: Json): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toJson(schema, 'input', components);
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries((json.properties ?? {}) as Record<string, Json>)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
    }
  }
  return out;
}

function operationOf(route: AnyRoute, components: Json): Json {
  const responses: Json = {
    [route.status]: route.response
      ? {
          description: 'Success',
          content: { 'application/json': { schema: toJson(route.response, 'output', components) } },
        }
      : { description: 'Success (no body)' },
  };
  const errors = new Set([400, ...(route.auth ? [401] : []), ...(route.errors ?? []), 500]);
  if (route.body) errors.add(413).add(415);
  for (const status of [...errors].sort())
    responses[status] = {
      description: ERROR_TEXT[status] ?? 'Error',
      content: { 'application/json': { schema: ERROR_REF } },
    };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.auth ? {} : { security: [] }),
    parameters: parametersOf(route, components),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toJson(route.body, 'input', components) } },
          },
        }
      : {}),
    responses,
  };
}

function componentName(provider: AnyProvider, suffix: string): string {
  const words = provider.type.split('-').map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`);
  return `${words.join('')}${suffix}`;
}

const configComponentName = (provider: AnyProvider) => componentName(provider, 'Config');

/** A body's free-form `config` becomes "one of the loaded providers' configs" in the document. */
function withConfigRefs(operation: Json, refs: Json[]): Json {
  const body = operation.requestBody as
    | { content: { 'application/json': { schema: { properties?: Record<string, Json> } } } }
    | undefined;
  const properties = body?.content['application/json'].schema.properties;
  if (properties?.config) {
    const { description } = properties.config;
    properties.config = { description, anyOf: refs };
  }
  return operation;
}

function plainOperationOf(route: PlainRoute): Json {
  const responses: Json = {};
  for (const [status, { description, type, schema }] of Object.entries(route.responses))
    responses[status] = type
      ? { description, content: { [type]: { schema: schema ?? {} } } }
      : { description };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [],
    parameters: (route.query ?? []).map((name) => ({
      name,
      in: 'query',
      required: false,
      schema: { type: 'string' },
    })),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the API, built from the routes' own zod schemas, with the
 * plain routes served beside them.
 */
export function buildOpenApi(
  routes: AnyRoute[],
  providers: AnyProvider[],
  version: string,
  plain: PlainRoute[] = [],
): Json {
  const components: Json = {};
  toJson(errorSchema, 'output', components);
  // Each provider's config, so clients know what `config` takes per `type`.
  for (const provider of providers) {
    const json = toJson(provider.configSchema, 'input', components);
    components[configComponentName(provider)] = {
      ...json,
      description: `config of type "${provider.type}" (${provider.displayName}); secret fields, masked in reads: ${
        provider.secretFields.join(', ') || 'none'
      }`,
    };
  }
  // Each connect flow's details, which reads of a connected integration carry under its type.
  for (const provider of providers) {
    if (!provider.connect) continue;
    const json = toJson(provider.connect.detailsSchema, 'output', components);
    const properties = {
      ...((json.properties as Json | undefined) ?? {}),
      installedAt: { type: 'string', format: 'date-time' },
    };
    components[componentName(provider, 'Connection')] = {
      ...json,
      properties,
      required: [...((json.required as string[] | undefined) ?? []), 'installedAt'],
      description: `in reads of a "${provider.type}" integration set up with "${provider.connect.presentation.installLabel}", under \`${provider.type}\``,
    };
  }
  const configRefs = providers.map((p) => ({ $ref: `${COMPONENTS}${configComponentName(p)}` }));
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] ??= {};
    const operation = operationOf(route, components);
    // A PATCH's config is merged (fields left out are kept, null removes one): not a whole config.
    paths[path][route.method.toLowerCase()] =
      route.method === 'PATCH' ? operation : withConfigRefs(operation, configRefs);
  }
  for (const route of plain) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = plainOperationOf(route);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald API',
      version,
      description:
        'Routes platform events to Slack, Discord, Teams and webhooks. Authenticate with ' +
        '`Authorization: Bearer <team API key>` (create one with `herald keys create --team <id>`), or ' +
        'with the `hp_…` token of a portal link (POST /v1/portal-links), limited to its scope.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'a team API key, hk_…, or a portal link token, hp_…',
        },
      },
    },
  };
}
