import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

// The dashboard: static files only. The page talks to the /v1 API with the key the
// user signs in with, exactly as any other client does; nothing here reads a store.

/** `packages/runner/web/`, from `src/http/` and `dist/http/` alike. */
const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
/** Hand-written files: the page, the stylesheet, the icon. */
const PUBLIC_DIR = resolve(WEB_ROOT, 'public');
/** The browser modules that `tsc -b` compiles from `web/src`. */
const SCRIPTS_DIR = resolve(WEB_ROOT, 'dist');

/**
 * The packages the browser modules import by name, as the page's import map names them:
 * `@herald/client` (its compiled folder) and the one file of its dependency openapi-fetch.
 * Resolved from the installed packages, so a deploy serves what it ships.
 */
function vendorFiles(): { client: string; openapiFetch: string } | null {
  try {
    // By its package.json: the package's entry point may resolve to its source (in tests).
    const manifest = createRequire(import.meta.url).resolve('@herald/client/package.json');
    return {
      client: resolve(dirname(manifest), 'dist'),
      openapiFetch: createRequire(manifest).resolve('openapi-fetch/dist/index.mjs'),
    };
  } catch {
    return null;
  }
}
const VENDOR = vendorFiles();

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Strict: only this origin's files, no inline script or style, requests only to this
 * origin (the API), and framed only by `frameAncestors` (HERALD_FRAME_ANCESTORS; `'none'`
 * by default, so a platform embeds the dashboard only when its operator says where).
 * https://developer.mozilla.org/docs/Web/HTTP/CSP
 */
export function dashboardCsp(frameAncestors = "'none'"): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

/** The CSP of a dashboard that no page may frame. */
export const DASHBOARD_CSP = dashboardCsp();

/** Security headers on every dashboard answer. */
export const DASHBOARD_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The headers for `frameAncestors`. X-Frame-Options (for browsers without CSP 2) can say
 * only DENY or SAMEORIGIN: it is left out when other origins may frame the page, and CSP
 * alone decides.
 */
function headersFor(frameAncestors: string): Record<string, string> {
  const { 'x-frame-options': _xfo, ...rest } = DASHBOARD_HEADERS;
  const xfo = frameAncestors === "'none'" ? 'DENY' : frameAncestors === "'self'" ? 'SAMEORIGIN' : null;
  return {
    ...rest,
    'content-security-policy': dashboardCsp(frameAncestors),
    ...(xfo ? { 'x-frame-options': xfo } : {}),
  };
}

/**
 * The page's CSP: `csp`, plus the hash of its inline import map (the one inline script; a
 * CSP without it would block the map, and `'unsafe-inline'` would allow any).
 */
function pageCsp(page: Buffer, csp: string): string {
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.toString('utf8'))?.[1];
  if (map === undefined) return csp;
  const hash = createHash('sha256').update(map).digest('base64');
  return csp.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
}

/** Asset paths: lower-case words, dashes and dots, in at most a few folders (no `..`). */
const ASSET_PATH = /^(?:[a-z0-9][a-z0-9_-]*\/){0,3}[a-z0-9][a-z0-9_.-]*\.(?:css|js|svg|map)$/;

/** A file under `root`, or null when the path would leave it or the file is missing. */
async function readUnder(root: string, relative: string): Promise<Buffer | null> {
  const file = resolve(root, relative);
  if (!file.startsWith(root + sep)) return null;
  return readFile(file).catch(() => null);
}

async function send(
  reply: FastifyReply,
  ifNoneMatch: string | undefined,
  body: Buffer,
  type: string,
  headers: Record<string, string>,
): Promise<FastifyReply> {
  // Revalidated every time (no-cache) but cheap: a rebuilt file gets a new ETag.
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  reply.headers({ ...headers, 'cache-control': 'no-cache', etag });
  if (ifNoneMatch === etag) return reply.code(304).send();
  return reply.type(type).send(body);
}

function missing(reply: FastifyReply, headers: Record<string, string>, message: string): FastifyReply {
  return reply
    .code(404)
    .headers(headers)
    .send({ error: { code: 'not_found', message, details: null } });
}

/** `herald-client/<file>` from @herald/client's compiled folder, `openapi-fetch.js` its one file. */
async function readVendor(path: string): Promise<Buffer | null> {
  if (!VENDOR) return null;
  if (path === 'openapi-fetch.js') return readFile(VENDOR.openapiFetch).catch(() => null);
  if (path.startsWith('herald-client/')) return readUnder(VENDOR.client, path.slice('herald-client/'.length));
  return null;
}

/** Fastify plugin: `GET /` (the page) and `GET /assets/*` (stylesheet, icon, compiled modules). */
export async function dashboard(
  app: FastifyInstance,
  options: { frameAncestors?: string } = {},
): Promise<void> {
  const headers = headersFor(options.frameAncestors ?? "'none'");
  app.get('/', async (request, reply) => {
    const page = await readUnder(PUBLIC_DIR, 'index.html');
    if (!page) return missing(reply, headers, 'the dashboard is not installed');
    const csp = pageCsp(page, headers['content-security-policy']!);
    return send(reply, request.headers['if-none-match'], page, CONTENT_TYPES['.html']!, {
      ...headers,
      'content-security-policy': csp,
    });
  });

  app.get('/assets/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (!ASSET_PATH.test(path)) return missing(reply, headers, 'no such asset');
    // `js/…` are compiled modules, `vendor/…` the packages they import; the rest is hand-written.
    const file = path.startsWith('js/')
      ? await readUnder(SCRIPTS_DIR, path.slice(3))
      : path.startsWith('vendor/')
        ? await readVendor(path.slice(7))
        : await readUnder(PUBLIC_DIR, path);
    if (!file) {
      const hint = /^(js|vendor)\//.test(path) ? ' (build the dashboard with `pnpm build`)' : '';
      return missing(reply, headers, `no asset ${path}${hint}`);
    }
    return send(reply, request.headers['if-none-match'], file, CONTENT_TYPES[extname(path)]!, headers);
  });
}
