// The BullMQ peer's worker (a process of its own): concurrency 256, each job one webhook
// POST rendered by @herald/provider-webhook (the body, identity headers and Standard
// Webhooks signature Herald sends), sent with an undici keep-alive Agent as Herald's
// HttpSender does; every attempt is logged with one XADD (request headers, status, the first
// KB of the response body) before the job completes or fails. Non-2xx throws, so BullMQ
// retries with the job's exponential backoff (8 attempts, set by the producer).
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const require = createRequire(new URL('../../packages/runner/package.json', import.meta.url));
const { Agent } = await import(pathToFileURL(require.resolve('undici')).href);
const { renderWebhook } = await import('../../packages/provider-webhook/dist/index.js');

export const QUEUE = 'herald-webhooks';
export const LOG_STREAM = 'herald:attempts';
const BODY_KEEP = 1024;
const BODY_READ_MAX = 1024 * 1024;

const port = Number(process.env.REDIS_PORT);
const concurrency = Number(process.env.CONCURRENCY ?? 256);
const timeoutMs = Number(process.env.HTTP_TIMEOUT_MS ?? 15_000);
const signingSecrets = [process.env.SIGNING_SECRET];
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const log = new Redis(connection);
const agent = new Agent({
  connections: concurrency,
  keepAliveTimeout: 30_000,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
});
const targets = new Map();
const target = (url) => {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    t = { origin: u.origin, path: `${u.pathname}${u.search}` };
    targets.set(url, t);
  }
  return t;
};

/** The first KB of a response body as text; the rest read and dropped (up to 1 MB, then the connection goes). */
async function firstKb(body) {
  const kept = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < BODY_KEEP) kept.push(chunk.subarray(0, BODY_KEEP - size));
    size += chunk.length;
    if (size > BODY_READ_MAX) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(kept).toString('utf8');
}

async function deliver(job) {
  const { event, integration } = job.data;
  const attempt = job.attemptsMade + 1;
  const spec = renderWebhook(
    {
      event,
      summary: null,
      integration: { id: integration.id, name: integration.name },
      deliveryId: job.id,
      attempt,
      attemptAt: new Date().toISOString(),
      headerPrefix: 'X-Herald',
    },
    { url: integration.url, signingSecrets },
  );
  const { origin, path } = target(spec.url);
  const started = performance.now();
  let status = 0;
  let body = '';
  let error = '';
  try {
    const res = await agent.request({
      origin,
      path,
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
    });
    status = res.statusCode;
    body = await firstKb(res.body);
  } catch (err) {
    error = err.code ?? err.message;
  }
  const ms = Math.round((performance.now() - started) * 10) / 10;
  await log.xadd(
    LOG_STREAM,
    '*',
    'delivery',
    job.id,
    'integration',
    integration.id,
    'attempt',
    attempt,
    'status',
    status,
    'ms',
    ms,
    'headers',
    JSON.stringify(spec.headers),
    'body',
    body,
    'error',
    error,
  );
  if (status < 200 || status >= 300) throw new Error(error || `HTTP ${status}`);
}

const worker = new Worker(QUEUE, deliver, { connection, concurrency });
worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
await worker.waitUntilReady();
process.send?.({ ready: true });
process.on('message', async (m) => {
  if (m.cmd !== 'stop') return;
  await worker.close();
  await log.quit();
  await agent.close();
  process.exit(0);
});
// The harness is gone (even SIGKILLed): take the private redis-server and its dir along.
process.on('disconnect', () => {
  try {
    process.kill(Number(process.env.REDIS_PID), 'SIGKILL');
  } catch {
    // Already gone.
  }
  rmSync(process.env.REDIS_DIR, { recursive: true, force: true });
  process.exit(0);
});
