import { createHmac } from 'node:crypto';
import { DELIVERY_LOG_STREAM, exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { verifyWebhook } from '@herald/provider-webhook/verify';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { type LogCapture, startHerald } from './support/herald.js';
import { type Sink, type SinkRequest, startSink } from './support/sink.js';

// Asymmetric signatures end to end: Herald makes an ed25519 key pair, a real webhook
// delivery through NATS carries a v1a signature, and the receiver verifies it with only the
// public key read from the API. The private key is in no read, log line or stored attempt.

const SIGNING_SECRET = `whsec_${Buffer.from('herald-api-test-hub-signing-secret').toString('base64')}`;
/** A private key the user brings (PATCH) rather than one Herald makes: base64 of a 32-byte seed. */
const IMPORTED_KEY = `whsk_${Buffer.from('herald-api-test-imported-ed25519').toString('base64')}`;

describe('HTTP API — ed25519 signing keys (v1a) and X-Hub-Signature-256', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;
  let acme: ApiClient;
  let id: string;
  let n = 0;
  /** Every private key Herald holds for the integration, and their base64 parts. */
  const privateKeys = (): string[] => {
    const keys = (herald.resolve(IntegrationStore).get('acme', id)?.config.signingKeys ?? []) as string[];
    return [...keys, IMPORTED_KEY].flatMap((k) => [k, k.slice('whsk_'.length)]);
  };
  const expectNoPrivateKey = (where: string, text: string) => {
    for (const key of privateKeys()) expect(text, `${where} holds a private key`).not.toContain(key);
  };
  /** Publishes a build over the API and returns what the sink received for it. */
  const delivered = async (): Promise<SinkRequest> => {
    const before = sink.requests.length;
    const { teamId: _team, ...event } = exampleEvent('build:start', { id: `evt_keys_${++n}` });
    expect((await acme.post('/v1/events', event)).status).toBe(202);
    return (await sink.waitFor(before + 1)).slice(before)[0]!;
  };
  const verifies = (req: SinkRequest, publicKeys: string | string[]) => {
    try {
      verifyWebhook({ headers: req.headers, body: req.body }, { publicKeys });
      return 'ok';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  /** Every revision of every delivery-log record, as stored in JetStream. */
  const storedLog = async (): Promise<string> => {
    const jsm = await jetstreamManager(herald.resolve(TOKENS.nats));
    const stream = `KV_${DELIVERY_LOG_STREAM}`;
    const { first_seq, last_seq } = (await jsm.streams.info(stream)).state;
    const out: string[] = [];
    for (let seq = first_seq; seq <= last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (msg) out.push(msg.string());
    }
    return out.join('\n');
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    acme = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
    const res = await acme.post('/v1/integrations', {
      name: 'Keyed hook',
      type: 'webhook',
      config: { url: sink.url },
      events: ['build:*'],
      confirm: false,
    });
    expect(res.status, res.text).toBe(201);
    id = res.body.id;
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('generates a key pair: the answer and every read show the whpk_ public key, never the private key', async () => {
    const res = await acme.post(`/v1/integrations/${id}/rotate-secret`, { kind: 'signingKey' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.kind).toBe('signingKey');
    expect(res.body.secret).toBeUndefined();
    expect(res.body.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(res.body.integration.config.signingKeys).toEqual([res.body.publicKey]);
    const stored = herald.resolve(IntegrationStore).get('acme', id)!.config.signingKeys as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^whsk_/);

    const read = await acme.get(`/v1/integrations/${id}`);
    expect(read.body.config.signingKeys).toEqual([res.body.publicKey]);
    const list = await acme.get('/v1/integrations');
    for (const [where, text] of [
      ['the rotate answer', res.text],
      ['the read', read.text],
      ['the list', list.text],
    ] as const)
      expectNoPrivateKey(where, text);
  });

  it('delivers a webhook that verifies with only the public key read from the API', async () => {
    const publicKey = (await acme.get(`/v1/integrations/${id}`)).body.config.signingKeys[0];
    const req = await delivered();
    expect(req.headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifies(req, publicKey)).toBe('ok');
    expect(verifies({ ...req, body: req.body.replace('STARTING', 'SUCCESS') }, publicKey)).toBe(
      'bad_signature',
    );
    expectNoPrivateKey('the request the receiver got', JSON.stringify(req));
  });

  it('rotates with both keys signing until the old one is dropped by sending the read-back list without it', async () => {
    const old = (await acme.get(`/v1/integrations/${id}`)).body.config.signingKeys[0];
    const res = await acme.post(`/v1/integrations/${id}/rotate-secret`, { kind: 'signingKey' });
    const fresh = res.body.publicKey;
    expect(fresh).not.toBe(old);
    expect(res.body.integration.config.signingKeys).toEqual([fresh, old]);
    const both = await delivered();
    expect(both.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(both, old)).toBe('ok');
    expect(verifies(both, fresh)).toBe('ok');

    const dropped = await acme.patch(`/v1/integrations/${id}`, { config: { signingKeys: [fresh] } });
    expect(dropped.status, dropped.text).toBe(200);
    expect(dropped.body.config.signingKeys).toEqual([fresh]);
    const only = await delivered();
    expect(verifies(only, fresh)).toBe('ok');
    expect(verifies(only, old)).toBe('bad_signature');
  });

  it('takes a private key the user brings, and shows it as its public key', async () => {
    const current = (await acme.get(`/v1/integrations/${id}`)).body.config.signingKeys;
    const res = await acme.patch(`/v1/integrations/${id}`, {
      config: { signingKeys: [IMPORTED_KEY, ...current] },
    });
    expect(res.status, res.text).toBe(200);
    const [imported] = res.body.config.signingKeys;
    expect(imported).toMatch(/^whpk_/);
    expect(res.body.config.signingKeys).toHaveLength(2);
    expect(verifies(await delivered(), imported)).toBe('ok');
    expectNoPrivateKey('the PATCH answer', res.text);
  });

  it('sends X-Hub-Signature-256 when asked: the hex HMAC of the body under the signing secret', async () => {
    const res = await acme.patch(`/v1/integrations/${id}`, {
      config: { signingSecrets: [SIGNING_SECRET], githubSignature: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.config.githubSignature).toBe(true);
    const req = await delivered();
    const expected = createHmac('sha256', SIGNING_SECRET).update(req.body).digest('hex');
    expect(req.headers['x-hub-signature-256']).toBe(`sha256=${expected}`);
    // v1 for the secret, v1a for each of the two keys.
    expect(req.headers['webhook-signature']!.split(' ').map((s) => s.split(',')[0])).toEqual([
      'v1',
      'v1a',
      'v1a',
    ]);
  });

  it('refuses bad keys and a GitHub header without a secret with a 400 naming the field; nothing is written', async () => {
    const before = (await acme.get(`/v1/integrations/${id}`)).text;
    const unknownPublic = await acme.patch(`/v1/integrations/${id}`, {
      config: { signingKeys: ['whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='] },
    });
    expect(unknownPublic.status).toBe(400);
    expect(unknownPublic.body.error.details).toEqual([
      {
        path: 'config.signingKeys.0',
        message: 'must start with whsk_ (the private key; a whpk_ public key cannot sign)',
        in: 'body',
      },
    ]);
    const short = await acme.patch(`/v1/integrations/${id}`, { config: { signingKeys: ['whsk_AAAA'] } });
    expect(short.status).toBe(400);
    expect(short.body.error.details[0].path).toBe('config.signingKeys.0');
    const noSecret = await acme.patch(`/v1/integrations/${id}`, { config: { signingSecrets: null } });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.error.details[0]).toMatchObject({ path: 'config.githubSignature' });
    expect((await acme.get(`/v1/integrations/${id}`)).text).toBe(before);

    const slack = await acme.post('/v1/integrations', {
      name: 'Chat',
      type: 'slack',
      config: { url: 'https://hooks.slack.com/services/T0/B0/xyz' },
      confirm: false,
    });
    const refused = await acme.post(`/v1/integrations/${slack.body.id}/rotate-secret`, {
      kind: 'signingKey',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({
      path: 'kind',
      message: 'slack integrations have no signing key to rotate',
    });
  });

  it('keeps the private keys out of the delivery log as read and as stored, and out of the logs', async () => {
    const deliveries = await acme.get(`/v1/integrations/${id}/deliveries?limit=100`);
    expect(deliveries.body.items.length).toBeGreaterThanOrEqual(5);
    for (const item of deliveries.body.items) {
      const detail = await acme.get(`/v1/integrations/${id}/deliveries/${item.id}`);
      expect(detail.body.attempts[0].request.headers['webhook-signature']).toMatch(/v1a,/);
      expectNoPrivateKey(`delivery ${item.id}`, detail.text);
    }
    expectNoPrivateKey('the stored delivery log', await storedLog());
    expectNoPrivateKey('the service log', herald.logs.text);
  });
});
