import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
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

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Strict: only this origin's files, no inline script or style, no framing, requests
 * only to this origin (the API). https://developer.mozilla.org/docs/Web/HTTP/CSP
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every dashboard answer. */
export const DASHBOARD_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

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
): Promise<FastifyReply> {
  // Revalidated every time (no-cache) but cheap: a rebuilt file gets a new ETag.
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  reply.headers({ ...DASHBOARD_HEADERS, 'cache-control': 'no-cache', etag });
  if (ifNoneMatch === etag) return reply.code(304).send();
  return reply.type(type).send(body);
}

function missing(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(404)
    .headers(DASHBOARD_HEADERS)
    .send({ error: { code: 'not_found', message, details: null } });
}

/** Fastify plugin: `GET /` (the page) and `GET /assets/*` (stylesheet, icon, compiled modules). */
export async function dashboard(app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => {
    const page = await readUnder(PUBLIC_DIR, 'index.html');
    if (!page) return missing(reply, 'the dashboard is not installed');
    return send(reply, request.headers['if-none-match'], page, CONTENT_TYPES['.html']!);
  });

  app.get('/assets/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (!ASSET_PATH.test(path)) return missing(reply, 'no such asset');
    // `js/…` are compiled modules; everything else is a hand-written file.
    const file = path.startsWith('js/')
      ? await readUnder(SCRIPTS_DIR, path.slice(3))
      : await readUnder(PUBLIC_DIR, path);
    if (!file) {
      const hint = path.startsWith('js/') ? ' (build the dashboard with `pnpm build`)' : '';
      return missing(reply, `no asset ${path}${hint}`);
    }
    return send(reply, request.headers['if-none-match'], file, CONTENT_TYPES[extname(path)]!);
  });
}
