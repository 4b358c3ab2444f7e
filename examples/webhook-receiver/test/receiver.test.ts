import {
  generateSigningKey,
  interpretWebhook,
  renderWebhook,
  type WebhookConfig,
} from '@herald/provider-webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver } from '../src/receiver.js';

const TOKEN = 'tok_receiver_test_4c1b2a';
const SECRET = `whsec_${Buffer.from('receiver-test-signing-key-32-by!').toString('base64')}`;

const lines: string[] = [];
const receiver = createReceiver({ token: TOKEN, secrets: [SECRET], log: (line: string) => lines.push(line) });
let baseUrl = '';

beforeAll(async () => {
  baseUrl = await receiver.listen(0);
});
afterAll(() => receiver.close());

// This example depends on the provider only (as a receiver would), so the events are
// written out here: the seed docs' build:start, and two more of the same shape.
const project = { id: 'personal-blog', name: 'Personal Blog' };
const EVENTS = {
  'build:start': {
    build: {
      id: 'social-hour-1312',
      branch: 'master',
      pullRequestId: null,
      status: 'STARTING',
      concluded: false,
    },
    service: { id: 'website', name: 'Website' },
    project,
    user: { id: 'thomas' },
  },
  'job-run:failure': {
    job: { id: 'nightly-report', name: 'Nightly report' },
    run: { id: 'run-5521', status: 'FAILURE', exitCode: 1, concluded: true },
    project,
  },
  'backup:success': {
    backup: { id: 'backup-2026-11-27', status: 'COMPLETED', sizeBytes: 734_003_200 },
    addon: { id: 'db', name: 'Postgres' },
    project,
  },
  'billing:payment-failed': { invoice: { id: 'in_1QxT7p', status: 'payment_failed' }, team: { id: 'acme' } },
};
type Notification = Parameters<typeof renderWebhook>[0];

/** Renders what Herald would send for `type` to this receiver (render only reads these fields). */
function herald(
  type: keyof typeof EVENTS,
  config: Partial<WebhookConfig> = {},
  deliveryId = 'dlv_RECEIVERTEST000000000000001',
) {
  const notification = {
    event: { id: `evt_${deliveryId.slice(4)}`, event: type, data: EVENTS[type] },
    integration: { id: 'int_local', name: 'Local receiver' },
    deliveryId,
    attempt: 1,
    attemptAt: new Date().toISOString(),
    headerPrefix: 'X-Herald',
  } as unknown as Notification;
  return renderWebhook(notification, {
    url: `${baseUrl}/webhook`,
    secret: TOKEN,
    signingSecrets: [SECRET],
    ...config,
  });
}

async function send(request: { method: string; url: string; headers: Record<string, string>; body: string }) {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('example webhook receiver', () => {
  it('answers 200 to a genuine request and handles its event', async () => {
    const request = herald('build:start');
    const response = await send(request);
    expect(response).toEqual({ status: 200, body: { ok: true } });
    expect(interpretWebhook({ status: response.status, headers: {}, body: '' })).toEqual({ kind: 'success' });
    expect(lines).toContain('build social-hour-1312 of Website (Personal Blog) started on master');
  });

  it('handles job-run:failure, backup:success and unknown types alike', async () => {
    for (const [type, id] of [
      ['job-run:failure', 'dlv_RECEIVERTEST000000000000002'],
      ['backup:success', 'dlv_RECEIVERTEST000000000000003'],
      ['billing:payment-failed', 'dlv_RECEIVERTEST000000000000004'],
    ] as const) {
      expect((await send(herald(type, {}, id))).status).toBe(200);
    }
    expect(lines).toEqual(
      expect.arrayContaining([
        'job Nightly report (Personal Blog) run run-5521 failed with exit code 1',
        'backup backup-2026-11-27 of Postgres completed (734003200 bytes)',
        'unhandled event billing:payment-failed',
      ]),
    );
  });

  it('answers 200 to a retried delivery without handling it twice', async () => {
    const id = 'dlv_RECEIVERTEST000000000000005';
    expect((await send(herald('job-run:failure', {}, id))).status).toBe(200);
    expect(await send(herald('job-run:failure', {}, id))).toEqual({
      status: 200,
      body: { ok: true, duplicate: true },
    });
    expect(lines.filter((line) => line.includes(id))).toEqual([
      `job-run:failure ${id}: duplicate, already handled`,
    ]);
  });

  it('answers 401 bad_signature to a tampered body', async () => {
    const request = herald('build:start', {}, 'dlv_RECEIVERTEST000000000000006');
    const tampered = { ...request, body: request.body.replace('"master"', '"main"') };
    expect(await send(tampered)).toEqual({
      status: 401,
      body: { error: { code: 'bad_signature', message: expect.any(String) } },
    });
  });

  it('answers 401 bad_token to a wrong token, even when the signature is right', async () => {
    const request = herald('build:start', { secret: 'tok_someone_else' }, 'dlv_RECEIVERTEST000000000000007');
    const { status, body } = await send(request);
    expect(status).toBe(401);
    // Herald reads the 401 as a failed attempt and retries it on its schedule.
    expect(interpretWebhook({ status, headers: {}, body: '' }).kind).toBe('retry');
    expect(body).toEqual({ error: { code: 'bad_token', message: expect.any(String) } });
    expect(JSON.stringify(body)).not.toContain(TOKEN);
  });

  it('answers 401 missing_signature to a request signed with nothing', async () => {
    const request = herald('build:start', { signingSecrets: [] }, 'dlv_RECEIVERTEST000000000000008');
    expect((await send(request)).body).toEqual({
      error: { code: 'missing_signature', message: expect.any(String) },
    });
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    expect((await fetch(`${baseUrl}/other`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(`${baseUrl}/webhook`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 400 to a genuine token with a broken body, and 500 when the handler throws', async () => {
    const failing = createReceiver({
      token: TOKEN,
      log: () => {},
      onEvent: () => {
        throw new Error('database down');
      },
    });
    const url = `${await failing.listen(0)}/webhook`;
    try {
      const headers = {
        'X-Herald-Notification-Integration-Token': TOKEN,
        'content-type': 'application/json',
      };
      const broken = await fetch(url, { method: 'POST', headers, body: '{"event":' });
      expect(broken.status).toBe(400);
      expect(await broken.json()).toMatchObject({ error: { code: 'bad_payload' } });
      const body = JSON.stringify({ event: 'build:start', data: EVENTS['build:start'] });
      const failed = await fetch(url, { method: 'POST', headers, body });
      expect(failed.status).toBe(500);
      expect(interpretWebhook({ status: failed.status, headers: {}, body: '' }).kind).toBe('retry');
    } finally {
      await failing.close();
    }
  });

  it('verifies v1a signatures with a public key alone: 200 genuine, 401 tampered or another key', async () => {
    const pair = generateSigningKey();
    const keyed = createReceiver({ publicKeys: [pair.publicKey], log: () => {} });
    const url = `${await keyed.listen(0)}/webhook`;
    try {
      const signed = (id: string, signingKey = pair.signingKey) => ({
        ...herald('build:start', { secret: undefined, signingSecrets: [], signingKeys: [signingKey] }, id),
        url,
      });
      expect(await send(signed('dlv_RECEIVERTEST000000000000011'))).toEqual({
        status: 200,
        body: { ok: true },
      });
      const request = signed('dlv_RECEIVERTEST000000000000012');
      const tampered = { ...request, body: request.body.replace('"master"', '"main"') };
      expect((await send(tampered)).body).toMatchObject({ error: { code: 'bad_signature' } });
      const other = signed('dlv_RECEIVERTEST000000000000013', generateSigningKey().signingKey);
      expect((await send(other)).status).toBe(401);
    } finally {
      await keyed.close();
    }
  });

  it('refuses to start without a token, a signing secret or a public key, or with a malformed one', () => {
    expect(() => createReceiver({})).toThrow(/HERALD_WEBHOOK_PUBLIC_KEYS/);
    expect(() => createReceiver({ secrets: ['whsec_c2hvcnQ='] })).toThrow(
      expect.objectContaining({ code: 'invalid_signing_secret' }),
    );
    // The private key where the public key belongs: refused, so it is not kept on the receiver.
    expect(() => createReceiver({ publicKeys: [generateSigningKey().signingKey] })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
  });
});
