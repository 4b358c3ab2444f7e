import { startNats, type TestNats } from '@herald/core/testing';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/http/openapi-document.js';
import { registeredRoutes } from '../src/http/server.js';
import type { RunningHerald } from '../src/run.js';
import { apiClient } from './support/api-client.js';
import { startHerald } from './support/herald.js';

type Doc = { paths: Record<string, Record<string, unknown>> };

/** Served by the runner but not API: the dashboard's page and assets (dashboard.ts). */
const NOT_API = new Set(['GET /', 'GET /assets/*']);

/** `METHOD /path/{param}` of each route the server registered; HEAD is fastify's twin of each GET. */
function served(routes: Array<{ method: string; url: string }>): string[] {
  return routes
    .filter((r) => r.method !== 'HEAD')
    .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`)
    .filter((r) => !NOT_API.has(r));
}

function documented(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** What the server serves that the document does not list. */
const undocumented = (routes: string[], doc: Doc) => routes.filter((r) => !documented(doc).includes(r));

describe('OpenAPI document — valid, and listing every route the server registers', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let doc: Doc;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    const res = await apiClient(herald.url, null).get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await herald?.stop();
    await nats?.cleanup();
  });

  it('validates against the OpenAPI 3.1 specification (@readme/openapi-parser)', async () => {
    const result = await validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('the validator refuses a broken document (a path parameter left undeclared)', async () => {
    const broken = structuredClone(doc);
    const get = broken.paths['/v1/integrations/{id}']!.get as { parameters: unknown[] };
    get.parameters = [];
    const result = await validate(broken as unknown as OpenAPIV3_1.Document);
    expect(result.valid).toBe(false);
  });

  it('lists every route the fastify server registered, and none it does not serve', () => {
    // Routes of encapsulated plugins are seen too (the dashboard is one), so none hides there.
    const all = registeredRoutes(herald.http).map((r) => `${r.method} ${r.url}`);
    expect(all).toEqual(expect.arrayContaining(['GET /', 'GET /assets/*', 'HEAD /healthz']));
    const routes = served(registeredRoutes(herald.http));
    expect(routes).toContain('POST /v1/integrations');
    expect(routes).toContain('GET /v1/integrations/slack/callback');
    expect(undocumented(routes, doc)).toEqual([]);
    expect(documented(doc).filter((op) => !routes.includes(op))).toEqual([]);
  });

  it('the comparison catches a route missing from the document', () => {
    const routes = served(registeredRoutes(herald.http));
    const without = structuredClone(doc);
    delete without.paths['/readyz'];
    delete without.paths['/v1/integrations/{id}/replay'];
    expect(undocumented(routes, without).sort()).toEqual([
      'GET /readyz',
      'POST /v1/integrations/{id}/replay',
    ]);
  });

  it('is what openApiDocument() builds without NATS (the source of @herald/client’s types)', async () => {
    expect(await openApiDocument()).toEqual(doc);
  });
});
