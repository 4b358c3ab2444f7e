import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { type LogCapture, startHerald } from './support/herald.js';

describe('HTTP API — input hygiene: control characters and spaces refused, egress errors without addresses', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let acme: ApiClient;
  /** A server on loopback, which this runner's egress guard refuses (it allows only a documentation range). */
  let internal: Server;
  let internalHits = 0;

  const names = async () =>
    (await acme.get('/v1/integrations')).body.items.map((i: { name: string }) => i.name) as string[];
  const expectRefused = (res: { status: number; body: { error: { details: unknown } } }, path: string) => {
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path, in: 'body' })]);
  };

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url, { HERALD_EGRESS_ALLOW_CIDRS: '192.0.2.0/24' });
    acme = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
    internal = createServer((_req, res) => {
      internalHits++;
      res.end('internal');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await herald?.stop();
    internal?.close();
    await nats?.cleanup();
  });

  it.each([
    ['NUL', 'CI\u0000hook', 'U+0000 at position 2'],
    ['a bell', 'CI\u0007', 'U+0007 at position 2'],
    ['CR/LF', 'CI\r\nX-Injected: 1', 'U+000D at position 2'],
    ['a trailing newline', 'CI hook\n', 'U+000A at position 7'],
    ['a line separator', 'CI\u2028hook', 'U+2028 at position 2'],
  ])('a name with %s is refused with a 400 naming `name`; nothing is written', async (_what, name, where) => {
    const res = await acme.post('/v1/integrations', {
      name,
      type: 'webhook',
      config: { url: 'https://example.com/hook' },
      confirm: false,
    });
    expectRefused(res, 'name');
    expect(res.body.error.message).toBe(
      `invalid request body: name: must not contain control characters (${where})`,
    );
    expect(await names()).not.toContain(name);
  });

  it.each([
    [
      'webhook',
      'a space',
      'https://example.com/my hook',
      'must not contain spaces (percent-encode them as %20)',
    ],
    [
      'webhook',
      'CR/LF',
      'https://example.com/hook\r\nX-Injected: 1',
      'must not contain control characters (U+000D at position 24)',
    ],
    [
      'webhook',
      'a trailing newline',
      'https://example.com/hook\n',
      'must not contain control characters (U+000A at position 24)',
    ],
    [
      'webhook',
      'a tab',
      'https://example.com/ho\tok',
      'must not contain control characters (U+0009 at position 22)',
    ],
    [
      'webhook',
      'NUL',
      'https://example.com/hook\u0000',
      'must not contain control characters (U+0000 at position 24)',
    ],
    [
      'slack',
      'CR/LF',
      'https://hooks.slack.com/services/T1/B1/x\r\ny',
      'must not contain control characters (U+000D at position 40)',
    ],
    [
      'discord',
      'a tab',
      'https://discord.com/api/webhooks/1/a\tb',
      'must not contain control characters (U+0009 at position 36)',
    ],
  ])('a %s URL with %s is refused with a 400 naming `config.url`', async (type, _what, url, message) => {
    const res = await acme.post('/v1/integrations', {
      name: `${type} hook`,
      type,
      config: { url },
      confirm: false,
    });
    expectRefused(res, 'config.url');
    expect(res.body.error.details[0].message).toBe(message);
    // A chat URL is the secret: the answer never quotes it.
    expect(res.text).not.toContain('hooks.slack.com/services');
  });

  it('PATCH refuses the same, and keeps what was stored', async () => {
    const created = await acme.post('/v1/integrations', {
      name: 'Clean',
      type: 'webhook',
      config: { url: 'https://example.com/clean' },
      confirm: false,
    });
    expect(created.status).toBe(201);
    const path = `/v1/integrations/${created.body.id}`;
    expectRefused(await acme.patch(path, { name: 'Dirty\u0000' }), 'name');
    expectRefused(await acme.patch(path, { config: { url: 'https://example.com/a\nb' } }), 'config.url');
    const read = (await acme.get(path)).body;
    expect(read.name).toBe('Clean');
    expect(read.config.url).toBe('https://example.com/clean');
  });

  it('a host name resolving to a refused address: the error says so without the address, at create and on test', async () => {
    const port = (internal.address() as AddressInfo).port;
    const created = await acme.post('/v1/integrations', {
      name: 'Internal',
      type: 'webhook',
      config: { url: `http://localhost:${port}/admin` },
    });
    expect(created.status).toBe(201);
    const expected = `refused to connect to localhost: it resolves to a private, loopback or reserved address (allow it with HERALD_EGRESS_ALLOW_CIDRS)`;
    expect(created.body.confirmation.error).toBe(expected);
    const tested = await acme.post(`/v1/integrations/${created.body.id}/test`);
    expect(tested.body.error).toBe(expected);
    const detail = await acme.get(`/v1/integrations/${created.body.id}/deliveries/${tested.body.deliveryId}`);
    for (const text of [created.text, tested.text, detail.text])
      expect(text).not.toMatch(/127\.0\.0\.1|::1\b/);
    expect(internalHits).toBe(0);
  });
});
