import { resolve } from 'node:path';
import { exampleEvent } from '@herald/core';
import { runConnectConformance, startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import chatProvider from '../../../examples/chat-provider/index.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { type ChatServerImitation, startChatServer } from './support/chat-server-imitation.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { freePort } from './support/slack-imitation.js';

// A third party's provider offers a connect flow the way Slack does, and the runner
// hosts it without knowing it: examples/chat-provider, loaded from its file path,
// against a stand-in of the chat server it connects to.

const CHAT_PROVIDER = resolve(import.meta.dirname, '../../../examples/chat-provider/index.js');
const CALLBACK = '/v1/integrations/chat/callback';

type Herald = RunningHerald & { logs: LogCapture };

// The checks every connect flow passes, Slack's included (provider-slack/test/conformance.test.ts).
runConnectConformance({
  provider: chatProvider,
  env: {
    HERALD_CHAT_SERVER_URL: 'https://chat.example.com',
    HERALD_CHAT_CLIENT_ID: 'herald',
    HERALD_CHAT_CLIENT_SECRET: 'chat-client-secret-0123',
  },
  secrets: ['chat-client-secret-0123'],
});

/** A Herald with the example provider and its flow set up against `chat`, on the port its public URL names. */
function heraldFor(
  nats: TestNats,
  chat: ChatServerImitation,
  port: number,
  env: Record<string, string> = {},
) {
  return startHerald(nats.url, {
    HERALD_PORT: String(port),
    HERALD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    HERALD_PROVIDERS: `@herald/provider-webhook,${CHAT_PROVIDER}`,
    HERALD_CHAT_SERVER_URL: chat.url,
    HERALD_CHAT_CLIENT_ID: chat.clientId,
    HERALD_CHAT_CLIENT_SECRET: chat.clientSecret,
    HERALD_RETRY_SCHEDULE: 'none',
    ...env,
  });
}

/** Starts an install as the dashboard does: the authorize URL and the cookie of "this browser". */
async function startInstall(api: ApiClient, body: Record<string, unknown>) {
  const res = await api.post('/v1/integrations/chat/install', body);
  expect(res.status, res.text).toBe(200);
  return { url: res.body.url as string, cookie: res.headers.getSetCookie()[0]!.split(';')[0]! };
}

async function callback(location: string, cookie: string) {
  const res = await fetch(location, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

describe('connect flow of a third-party provider (examples/chat-provider), hosted by the runner', () => {
  let nats: TestNats;
  let chat: ChatServerImitation;
  let herald: Herald;
  let api: ApiClient;
  let connectedId: string;

  beforeAll(async () => {
    nats = await startNats();
    const port = await freePort();
    chat = await startChatServer({ redirectUri: `http://127.0.0.1:${port}${CALLBACK}` });
    herald = await heraldFor(nats, chat, port);
    api = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
  });
  afterAll(async () => {
    await herald?.stop();
    await chat?.close();
    await nats?.cleanup();
  });

  it('offers "Connect to chat": the provider’s texts in /v1/providers, its app route, its routes and details in the document', async () => {
    const providers = (await api.get('/v1/providers')).body.items as Array<{
      type: string;
      connect: unknown;
    }>;
    const info = providers.find((p) => p.type === 'chat')!;
    expect(info.connect).toMatchObject({ installLabel: 'Connect to chat', cutOff: { fixes: ['410'] } });
    expect(providers.find((p) => p.type === 'webhook')!.connect).toBeNull();
    expect((await api.get('/v1/integrations/chat/app')).body).toEqual({
      installAvailable: true,
      reason: null,
      clientId: chat.clientId,
      redirectUri: `${herald.url}${CALLBACK}`,
    });
    const doc = (await api.get('/openapi.json')).body;
    expect(Object.keys(doc.paths['/v1/integrations/chat/install']).sort()).toEqual(['get', 'post']);
    expect(doc.components.schemas.ChatConnection.required).toEqual(['channel', 'installedAt']);
  });

  it('connects: consent, the code exchanged through the runner, an integration with the webhook as its config, a confirmation in the channel', async () => {
    const { url, cookie } = await startInstall(api, { name: 'Team chat', events: ['build:*'] });
    expect(url.startsWith(`${chat.url}/oauth/authorize?`)).toBe(true);
    expect(cookie).toMatch(/^herald_chat_[A-Za-z0-9_-]{22}=1$/);
    const back = await chat.allow(url);
    const res = await callback(back, cookie);
    expect(res.status, res.text).toBe(302);
    connectedId = res.location!.split('/').pop()!;

    expect(chat.tokenRequests.at(-1)).toEqual({
      grant_type: 'authorization_code',
      code: new URL(back).searchParams.get('code'),
      redirect_uri: `${herald.url}${CALLBACK}`,
      client_id: chat.clientId,
      client_secret: chat.clientSecret,
    });
    const hook = chat.hooks.at(-1)!;
    const read = (await api.get(`/v1/integrations/${connectedId}`)).body;
    expect(read).toMatchObject({
      type: 'chat',
      name: 'Team chat',
      events: ['build:*'],
      enabled: true,
      chat: { channel: 'town-square', installedAt: expect.any(String) },
      connection: {
        type: 'chat',
        rows: [{ id: 'channel', label: 'Channel', text: 'town-square', href: null }],
      },
    });
    expect(JSON.stringify(read)).not.toContain(new URL(hook.url).pathname);
    await eventually(() => chat.messages.some((m) => m.url === hook.url));
    expect(herald.logs.text).toContain('"outcome":"installed"');
    expect(herald.logs.text).not.toContain(chat.clientSecret);
  });

  it('delivers events to the connected channel', async () => {
    const hook = chat.hooks.at(-1)!;
    const before = chat.messages.length;
    const { teamId: _t, ...event } = exampleEvent('build:failure', { id: `evt_chat_${Date.now()}` });
    expect((await api.post('/v1/events', event)).status).toBe(202);
    await eventually(() => chat.messages.length > before);
    const message = chat.messages.at(-1)!;
    expect(message.url).toBe(hook.url);
    expect(JSON.parse(message.body).text).toMatch(/^:x: \*\*Build failed/);
  });

  it('ends on a page in the provider’s words when the server refuses the code, and creates nothing', async () => {
    const count = (await api.get('/v1/integrations')).body.items.length;
    const { url, cookie } = await startInstall(api, { name: 'Refused' });
    const state = new URL(url).searchParams.get('state')!;
    const res = await callback(
      `${herald.url}${CALLBACK}?code=made-up&state=${encodeURIComponent(state)}`,
      cookie,
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="chat-install-result" data-outcome="exchange_failed"');
    expect(res.text).toContain('did not accept the authorization');
    expect((await api.get('/v1/integrations')).body.items.length).toBe(count);
  });

  it('on delete, the provider revokes the webhook at the server and the install record goes', async () => {
    const hook = chat.hooks.find((h) => h.channel === 'town-square')!;
    const key = `chat-install.${connectedId}`;
    expect((await herald.resolve(TOKENS.buckets).teams.get(key))?.operation).toBe('PUT');
    expect((await api.delete(`/v1/integrations/${connectedId}`)).status).toBe(204);
    expect(chat.revoked).toEqual([hook.url]);
    expect((await herald.resolve(TOKENS.buckets).teams.get(key))?.operation).not.toBe('PUT');
  });
});

describe('connect flow of a third-party provider — settings and the egress guard', () => {
  let nats: TestNats;
  let chat: ChatServerImitation;
  let herald: Herald;

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await herald?.stop();
    await chat?.close();
    await nats?.cleanup();
  });

  it('a half-set or bad setting of the provider’s own variables stops start-up, naming them', async () => {
    await expect(
      startHerald(nats.url, { HERALD_PROVIDERS: CHAT_PROVIDER, HERALD_CHAT_CLIENT_ID: 'herald' }),
    ).rejects.toThrow(
      /HERALD_CHAT_SERVER_URL: required when HERALD_CHAT_CLIENT_ID is set[\s\S]*HERALD_CHAT_CLIENT_SECRET: required[\s\S]*HERALD_PUBLIC_URL: required for "Connect to chat"/,
    );
    await expect(
      startHerald(nats.url, {
        HERALD_PROVIDERS: CHAT_PROVIDER,
        HERALD_PUBLIC_URL: 'https://herald.example.com',
        HERALD_CHAT_SERVER_URL: 'https://chat.example.com',
        HERALD_CHAT_CLIENT_ID: 'herald',
        HERALD_CHAT_CLIENT_SECRET: 'short',
      }),
    ).rejects.toThrow(/HERALD_CHAT_CLIENT_SECRET: must be the app secret the server issued/);
  });

  it('sends the token request through the runner’s SSRF guard: with loopback not allowed, it never reaches the server', async () => {
    const port = await freePort();
    chat = await startChatServer({ redirectUri: `http://127.0.0.1:${port}${CALLBACK}` });
    herald = await heraldFor(nats, chat, port, { HERALD_EGRESS_ALLOW_CIDRS: '192.0.2.0/24' });
    const api = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
    const { url, cookie } = await startInstall(api, { name: 'Blocked' });
    const res = await callback(await chat.allow(url), cookie);
    expect(res.status).toBe(502);
    expect(res.text).toContain('data-outcome="exchange_failed"');
    expect(res.text).toContain('could not be reached');
    expect(chat.tokenRequests).toEqual([]);
    expect((await api.get('/v1/integrations')).body.items).toEqual([]);
  });
});
