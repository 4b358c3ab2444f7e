import { createHash } from 'node:crypto';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { type LogCapture, startHerald } from './support/herald.js';

// The dashboard's files as the runner serves them (the browser test drives the page itself).
// Needs the web build: `npx tsc -b` (the root `pnpm test` builds first).

/** Imports of an ES module (`from './x.js'`, `import './y.js'`, `from '@herald/client'`). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*['"]((?:\.{1,2}\/|@herald\/|openapi-)[^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
}

/** The page's one inline script: its import map's text, as the CSP hashes it. */
function importMapOf(html: string): string {
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  expect(map).toBeDefined();
  return map!;
}

describe('dashboard — served by the runner', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let anon: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    anon = apiClient(herald.url, null);
  });
  afterAll(async () => {
    await herald?.stop();
    await nats?.cleanup();
  });

  it('serves the page at / with a strict CSP, nosniff and no referrer', async () => {
    const res = await anon.get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    // Scripts from this origin, and inline only the page's import map, allowed by its hash.
    const hash = createHash('sha256').update(importMapOf(res.text)).digest('base64');
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': `'self' 'sha256-${hash}'`,
      'style-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('has no inline script or style in the page but its import map, and loads nothing from another origin', async () => {
    const html = (await anon.get('/')).text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(1);
    for (const [, attrs, body] of scripts) {
      if (attrs === ' type="importmap"') continue;
      expect(attrs).toMatch(/\bsrc="\/assets\//);
      expect(body!.trim()).toBe('');
    }
    const { imports } = JSON.parse(importMapOf(html)) as { imports: Record<string, string> };
    expect(Object.keys(imports).sort()).toEqual(['@herald/client', 'openapi-fetch']);
    for (const target of Object.values(imports)) expect(target).toMatch(/^\/assets\/vendor\//);
    // The other answers keep the CSP without the hash: no page of theirs has an import map.
    expect((await anon.get('/assets/base.css')).headers.get('content-security-policy')).toMatch(
      /script-src 'self';/,
    );
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
  });

  it('serves every stylesheet and every module the page imports, with the right types and headers', async () => {
    const html = (await anon.get('/')).text;
    const styles = [...html.matchAll(/href="(\/assets\/[^"]+\.css)"/g)].map((m) => m[1]!);
    expect(styles.length).toBeGreaterThan(0);
    for (const path of styles) {
      const res = await anon.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/css/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // Walk the module graph from the entry point, bare names through the import map: a
    // missing file would break the page.
    const { imports } = JSON.parse(importMapOf(html)) as { imports: Record<string, string> };
    const seen = new Set<string>();
    const queue = ['/assets/js/main.js'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await anon.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      for (const spec of importsOf(res.text))
        queue.push(imports[spec] ?? new URL(spec, `http://x${path}`).pathname);
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen]).toContain('/assets/js/views/delivery-page.js');
    expect([...seen]).toContain('/assets/vendor/herald-client/client.js');
    expect([...seen]).toContain('/assets/vendor/openapi-fetch.js');
    const icon = await anon.get('/assets/icon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers 304 to a matching ETag', async () => {
    const first = await anon.get('/assets/js/main.js');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await anon.raw('GET', '/assets/js/main.js', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('refuses paths outside the dashboard and unknown assets with a JSON 404', async () => {
    for (const path of [
      '/assets/../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/js/../../src/http/server.ts',
      '/assets/js/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/assets/nope.css',
      '/assets/js/views/nope.js',
      '/assets/index.html',
      '/assets/js/main.d.ts',
    ]) {
      const res = await anon.raw('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe('not_found');
    }
  });

  it('keeps the API as it was: JSON errors, keys required', async () => {
    expect((await anon.get('/v1/integrations')).status).toBe(401);
    const missing = await anon.get('/v2/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('lists the providers with what a form needs (public, like the catalogue)', async () => {
    const res = await anon.get('/v1/providers');
    expect(res.status).toBe(200);
    const byType = Object.fromEntries(res.body.items.map((p: { type: string }) => [p.type, p]));
    expect(Object.keys(byType).sort()).toEqual(['discord', 'slack', 'teams', 'webhook']);
    expect(byType.webhook).toMatchObject({
      displayName: 'Webhook',
      secretFields: ['secret', 'signingSecrets', 'signingKeys'],
      setupHelp: expect.stringContaining('2xx'),
      configSchema: {
        type: 'object',
        required: ['url'],
        properties: {
          url: { type: 'string' },
          secret: { type: 'string' },
          signingSecrets: { type: 'array' },
          signingKeys: { type: 'array' },
          githubSignature: { type: 'boolean' },
        },
      },
    });
    expect(byType.slack.secretFields).toEqual(['url']);
    expect(byType.slack.setupHelp).toContain('Incoming Webhooks');
    const doc = (await anon.get('/openapi.json')).body;
    expect(doc.paths['/v1/providers'].get.security).toEqual([]);
  });
});
