// A Herald webhook receiver on node:http alone: verify, deduplicate, handle, answer.
// Plain ESM JavaScript so `node src/server.js` runs it without a build step.
import { createServer } from 'node:http';
// The receiver entry point: node:crypto alone, none of Herald's service code (NATS, xstate, zod).
import {
  decodePublicKey,
  decodeSigningSecret,
  verifyWebhook,
  WebhookVerificationError,
} from '@herald/provider-webhook/verify';

/** Where Herald POSTs; point the integration's URL here. */
export const WEBHOOK_PATH = '/webhook';
/** Larger bodies are refused unread; Herald's events are at most 256 KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How many recent `webhook-id`s are remembered to drop retried duplicates. */
export const MAX_REMEMBERED_IDS = 10_000;

// Types live in receiver.d.ts.

/**
 * Does the work for one verified event. Replace these bodies with your own: open a
 * ticket when a job fails, copy a finished backup off-site, and so on.
 */
export function handleEvent({ event, data }, log) {
  switch (event) {
    case 'build:start': {
      const { project, service, build } = data;
      log(`build ${build.id} of ${service.name} (${project.name}) started on ${build.branch}`);
      break;
    }
    case 'job-run:failure': {
      const { project, job, run } = data;
      log(`job ${job.name} (${project.name}) run ${run.id} failed with exit code ${run.exitCode}`);
      break;
    }
    case 'backup:success': {
      const { addon, backup } = data;
      log(`backup ${backup.id} of ${addon.name} completed (${backup.sizeBytes} bytes)`);
      break;
    }
    default:
      log(`unhandled event ${event}`);
  }
}

/** Reads the raw body (signatures cover its exact bytes), or null once it exceeds the cap. */
function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Sends a JSON answer; errors use Herald's `{ error: { code, message } }` shape. */
function answer(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Creates a receiver. Give it the integration's `token`, its signing `secrets`
 * (`whsec_…`), its signing keys' `publicKeys` (`whpk_…`), or several; it throws at once
 * when it could not verify anything.
 */
export function createReceiver(options = {}) {
  const {
    token,
    secrets = [],
    publicKeys = [],
    toleranceSeconds,
    headerPrefix,
    path = WEBHOOK_PATH,
  } = options;
  const log = options.log ?? ((line) => console.log(line));
  const onEvent = options.onEvent ?? handleEvent;
  if (!token && secrets.length === 0 && publicKeys.length === 0) {
    throw new Error(
      'set HERALD_WEBHOOK_TOKEN, HERALD_WEBHOOK_SECRETS and/or HERALD_WEBHOOK_PUBLIC_KEYS: without them anyone could post',
    );
  }
  // A typo fails here, not on every request.
  for (const secret of secrets) decodeSigningSecret(secret);
  for (const key of publicKeys) decodePublicKey(key);
  const verifyOptions = { token: token || undefined, secrets, publicKeys, toleranceSeconds, headerPrefix };
  // Herald delivers at least once: a retry of a handled delivery has the same webhook-id.
  const handled = new Set();

  const server = createServer(async (request, response) => {
    try {
      const { pathname } = new URL(request.url ?? '/', 'http://receiver');
      if (pathname !== path) {
        return answer(response, 404, { error: { code: 'not_found', message: 'no such path' } });
      }
      if (request.method !== 'POST') {
        return answer(
          response,
          405,
          { error: { code: 'method_not_allowed', message: 'use POST' } },
          { allow: 'POST' },
        );
      }
      const body = await readBody(request);
      if (body === null) {
        const error = { code: 'too_large', message: `over ${MAX_BODY_BYTES} bytes` };
        // The rest of the body stays unread: close the connection instead of draining it.
        return answer(response, 413, { error }, { connection: 'close' });
      }
      const webhook = verifyWebhook({ headers: request.headers, body }, verifyOptions);
      if (webhook.id !== undefined && handled.has(webhook.id)) {
        log(`${webhook.event} ${webhook.id}: duplicate, already handled`);
        return answer(response, 200, { ok: true, duplicate: true });
      }
      await onEvent(webhook, log);
      if (webhook.id !== undefined) {
        handled.add(webhook.id);
        // A Set iterates in insertion order: drop the oldest id.
        if (handled.size > MAX_REMEMBERED_IDS) handled.delete(handled.values().next().value);
      }
      return answer(response, 200, { ok: true });
    } catch (err) {
      if (err instanceof WebhookVerificationError) {
        log(`refused a request: ${err.code}`);
        // An authentic request with a broken body is the sender's bug, not an auth failure.
        const status = err.code === 'bad_payload' ? 400 : 401;
        return answer(response, status, { error: { code: err.code, message: err.message } });
      }
      log(`failed to handle a webhook: ${err instanceof Error ? err.message : String(err)}`);
      // A 5xx makes Herald retry later, which is what a failed handler wants.
      return answer(response, 500, { error: { code: 'handler_failed', message: 'the handler failed' } });
    }
  });

  return {
    server,
    /** Starts listening; resolves with the base URL (port 0 picks a free port). */
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    /** Stops accepting connections and closes idle ones. */
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
