import { createHash } from 'node:crypto';
import { exampleEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import slackProvider from '@herald/provider-slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { hostConnectFlows } from '../src/connect/flows.js';
import { stateKeyFrom as keyFrom, signState, verifyState } from '../src/connect/state.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { freePort, type SlackImitation, startSlackImitation } from './support/slack-imitation.js';

const CALLBACK = '/v1/integrations/slack/callback';
/** Slack's install links are signed with a key derived from the app's client secret. */
const stateKeyFrom = (clientSecret: string) => keyFrom('slack', clientSecret);

/** The Slack app's settings as a runner with this environment reads them at start-up (null: not set). */
function slackAppOf(env: Record<string, string>) {
  return (
    hostConnectFlows(new ProviderRegistry([slackProvider]), loadConfig(env)).get('slack')!.setup?.settings ??
    null
  );
}

/** An install as the dashboard starts it: the authorize URL and the cookie that binds it to "this browser". */
async function startInstall(api: ApiClient, body: Record<string, unknown>) {
  const res = await api.post('/v1/integrations/slack/install', body);
  expect(res.status, res.text).toBe(200);
  const cookie = res.headers.getSetCookie()[0]!;
  return { url: res.body.url as string, cookie: cookie.split(';')[0]!, setCookie: cookie };
}

/** What the browser does when Slack sends it back. */
async function callback(location: string, cookie?: string) {
  const res = await fetch(location, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function outcomeOf(html: string): string | undefined {
  return /data-outcome="([a-z_]+)"/.exec(html)?.[1];
}

describe('Slack install — API, against an imitation of Slack', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let slack: SlackImitation;
  let api: ApiClient;
  let acmeKey: string;
  let publicUrl: string;
  let installedId: string;

  const stateOf = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get('state')!;
  const integrations = async () =>
    (await api.get('/v1/integrations')).body.items as Array<Record<string, unknown>>;

  beforeAll(async () => {
    nats = await startNats();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    slack = await startSlackImitation({ redirectUri: `${publicUrl}${CALLBACK}` });
    herald = await startHerald(nats.url, {
      HERALD_PORT: String(port),
      HERALD_PUBLIC_URL: publicUrl,
      HERALD_SLACK_CLIENT_ID: slack.clientId,
      HERALD_SLACK_CLIENT_SECRET: slack.clientSecret,
      HERALD_SLACK_API_URL: slack.url,
      HERALD_RETRY_SCHEDULE: 'none',
    });
    acmeKey = (await herald.resolve(ApiKeyStore).create('acme')).key;
    api = apiClient(herald.url, acmeKey);
  });
  afterAll(async () => {
    await herald?.stop();
    await slack?.close();
    await nats?.cleanup();
  });

  it('tells clients the install is available and which redirect URL to register', async () => {
    const res = await api.get('/v1/integrations/slack/app');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      installAvailable: true,
      reason: null,
      clientId: slack.clientId,
      redirectUri: `${publicUrl}${CALLBACK}`,
    });
    expect(res.text).not.toContain(slack.clientSecret);
    expect((await apiClient(herald.url, null).get('/v1/integrations/slack/app')).status).toBe(401);
  });

  it('starts an install: Slack authorize URL with scope, redirect URI and a signed state; a binding cookie; no key in the URL', async () => {
    const { url, setCookie } = await startInstall(api, {
      name: 'Deploys',
      events: ['deployment:*', 'build:failure'],
      projects: ['blog'],
    });
    const authorize = new URL(url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${slack.url}/oauth/v2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: slack.clientId,
      scope: 'incoming-webhook',
      redirect_uri: `${publicUrl}${CALLBACK}`,
    });
    expect(url).not.toContain(acmeKey);
    expect(url).not.toContain(slack.clientSecret);
    const check = verifyState(stateKeyFrom(slack.clientSecret), stateOf(url));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.payload).toMatchObject({
      t: 'acme',
      name: 'Deploys',
      events: ['deployment:*', 'build:failure'],
      projects: ['blog'],
      integrationId: null,
    });
    expect(check.payload.exp - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(check.payload.exp - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect(setCookie).toMatch(new RegExp(`^herald_slack_${check.payload.n}=1;`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toContain(`Path=${CALLBACK}`);
  });

  it('the GET variant redirects to Slack with the settings from the query string', async () => {
    const res = await fetch(
      `${herald.url}/v1/integrations/slack/install?name=Ops&events=build:*,job-run:failure&projects=`,
      {
        headers: { authorization: `Bearer ${acmeKey}` },
        redirect: 'manual',
      },
    );
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${slack.url}/oauth/v2/authorize?`)).toBe(true);
    const check = verifyState(stateKeyFrom(slack.clientSecret), stateOf(location));
    expect(check.ok && check.payload).toMatchObject({
      name: 'Ops',
      events: ['build:*', 'job-run:failure'],
      projects: null,
    });
    expect(res.headers.getSetCookie()[0]).toMatch(/^herald_slack_/);
  });

  it('refuses bad input with 400 naming the field, other teams’ ids with 404, and no key with 401', async () => {
    const noName = await api.post('/v1/integrations/slack/install', { events: ['build:*'] });
    expect(noName.status).toBe(400);
    expect(noName.body.error.details).toEqual([expect.objectContaining({ path: 'name', in: 'body' })]);
    const badEvent = await api.post('/v1/integrations/slack/install', { name: 'x', events: ['nope:nope'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.details[0].path).toMatch(/^events/);
    const badQuery = await api.raw('GET', '/v1/integrations/slack/install?events=build:*');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details[0]).toMatchObject({ path: 'name', in: 'query' });
    const unknown = await api.post('/v1/integrations/slack/install', { integrationId: 'int_nothere' });
    expect(unknown.status).toBe(404);
    const anon = await apiClient(herald.url, null).post('/v1/integrations/slack/install', { name: 'x' });
    expect(anon.status).toBe(401);
    const hook = await api.post('/v1/integrations', {
      name: 'hook',
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/h' },
      confirm: false,
    });
    const notSlack = await api.post('/v1/integrations/slack/install', { integrationId: hook.body.id });
    expect(notSlack.status).toBe(400);
    expect(notSlack.body.error.details[0].path).toBe('integrationId');
    await api.delete(`/v1/integrations/${hook.body.id}`);
  });

  it('completes an install: code exchanged as Slack documents, integration created, confirmation posted, redirect to its page', async () => {
    const before = slack.messages.length;
    const { url, cookie } = await startInstall(api, {
      name: 'Ops alerts',
      events: ['build:*'],
      projects: null,
    });
    const back = await slack.allow(url, '#ops');
    expect(back.startsWith(`${publicUrl}${CALLBACK}?code=`)).toBe(true);
    const res = await callback(back, cookie);
    expect(res.status, res.text).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/#\/integrations\/int_/);
    installedId = location.split('/').pop()!;
    expect(res.headers.getSetCookie().join()).toMatch(/Max-Age=0/);

    const exchange = slack.exchanges.at(-1)!;
    expect(exchange.contentType).toBe('application/x-www-form-urlencoded');
    expect(exchange.params).toEqual({
      client_id: slack.clientId,
      client_secret: slack.clientSecret,
      code: new URL(back).searchParams.get('code'),
      redirect_uri: `${publicUrl}${CALLBACK}`,
    });
    expect(exchange.answer.ok).toBe(true);

    const read = (await api.get(`/v1/integrations/${installedId}`)).body;
    const hook = slack.webhooks.at(-1)!;
    expect(read).toMatchObject({
      name: 'Ops alerts',
      type: 'slack',
      events: ['build:*'],
      projects: null,
      enabled: true,
      slack: {
        channel: '#ops',
        channelId: hook.channelId,
        configurationUrl: expect.stringMatching(/^https:\/\/imitation\.slack\.com\/services\//),
        workspace: 'Imitation Inc',
      },
    });
    expect(JSON.stringify(read)).not.toContain(new URL(hook.url).pathname.split('/').pop());
    const [confirmation] = (await slack.waitForMessages(before + 1)).slice(before);
    expect(confirmation!.url).toBe(hook.url);
    expect(JSON.parse(confirmation!.body).blocks.length).toBeGreaterThan(0);
    const deliveries = (await api.get(`/v1/integrations/${installedId}/deliveries`)).body.items;
    expect(deliveries[0]).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
  });

  it('refuses a replayed state, even with its cookie: nothing is created twice', async () => {
    const count = (await integrations()).length;
    const { url, cookie } = await startInstall(api, { name: 'Once' });
    const back = await slack.allow(url);
    expect((await callback(back, cookie)).status).toBe(302);
    const exchanges = slack.exchanges.length;
    const replay = await callback(back, cookie);
    expect(replay.status).toBe(400);
    expect(outcomeOf(replay.text)).toBe('replayed_state');
    expect(replay.text).toContain('already used');
    expect(slack.exchanges.length).toBe(exchanges);
    expect((await integrations()).length).toBe(count + 1);
    // The nonce is claimed in the teams bucket, where every runner sees it.
    const check = verifyState(stateKeyFrom(slack.clientSecret), stateOf(url));
    expect(
      check.ok &&
        (await herald.resolve(TOKENS.buckets).teams.get(`slack-state.${check.payload.n}`))?.operation,
    ).toBe('PUT');
  });

  it('refuses forged, altered and expired states, and a state from another browser, on a clear page with the dashboard’s CSP', async () => {
    const count = (await integrations()).length;
    const { url, cookie } = await startInstall(api, { name: 'Forged' });
    const state = stateOf(url);
    const [v, body, mac] = state.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const altered = `${v}.${Buffer.from(JSON.stringify({ ...payload, t: 'globex' })).toString('base64url')}.${mac}`;
    const wrongKey = signState(stateKeyFrom('not-the-client-secret'), payload);
    const expired = signState(stateKeyFrom(slack.clientSecret), { ...payload, exp: Date.now() - 1_000 });
    const cases: Array<[string, string | undefined, string]> = [
      [altered, cookie, 'bad_state'],
      [wrongKey, cookie, 'bad_state'],
      ['garbage', cookie, 'bad_state'],
      [expired, cookie, 'expired_state'],
      [state, undefined, 'other_browser'],
    ];
    for (const [s, c, outcome] of cases) {
      const res = await callback(`${publicUrl}${CALLBACK}?code=anything&state=${encodeURIComponent(s)}`, c);
      expect(res.status, outcome).toBe(400);
      expect(outcomeOf(res.text)).toBe(outcome);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(res.text).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    }
    const missing = await callback(`${publicUrl}${CALLBACK}?code=anything`);
    expect(outcomeOf(missing.text)).toBe('bad_state');
    expect((await integrations()).length).toBe(count);
    // None of these reached Slack: only a verified state's code is exchanged.
    expect(slack.exchanges.some((e) => e.params.code === 'anything')).toBe(false);
  });

  it('denied consent lands on a clear page and creates nothing', async () => {
    const count = (await integrations()).length;
    const exchanges = slack.exchanges.length;
    const { url, cookie } = await startInstall(api, { name: 'Denied' });
    const back = await slack.deny(url);
    expect(new URL(back).searchParams.get('error')).toBe('access_denied');
    const res = await callback(back, cookie);
    expect(res.status).toBe(200);
    expect(outcomeOf(res.text)).toBe('denied');
    expect(res.text).toContain('no integration was created');
    expect(res.text).toContain('href="/#/integrations/new"');
    expect(slack.exchanges.length).toBe(exchanges);
    expect((await integrations()).length).toBe(count);
  });

  it('Slack refusing the code ({"ok": false, "error": "invalid_code"}) lands on a clear page and creates nothing', async () => {
    const count = (await integrations()).length;
    const { url, cookie } = await startInstall(api, { name: 'Bad code' });
    const res = await callback(
      `${publicUrl}${CALLBACK}?code=made-up&state=${encodeURIComponent(stateOf(url))}`,
      cookie,
    );
    expect(res.status).toBe(400);
    expect(outcomeOf(res.text)).toBe('exchange_failed');
    expect(res.text).toContain('invalid_code');
    expect(slack.exchanges.at(-1)).toMatchObject({
      params: { code: 'made-up' },
      answer: { ok: false, error: 'invalid_code' },
    });
    expect((await integrations()).length).toBe(count);
  });

  it('reinstall revives an integration that Slack’s channel_not_found disabled: new URL, enabled, healthy', async () => {
    const oldHook = slack.webhooks.find((w) => w.channel === '#ops')!;
    slack.breakChannel(oldHook.url);
    const { teamId: _t, ...event } = exampleEvent('build:start', { id: `evt_reinstall_${Date.now()}` });
    expect((await api.post('/v1/events', event)).status).toBe(202);
    const disabled = await eventually(async () => {
      const i = (await api.get(`/v1/integrations/${installedId}`)).body;
      return i.state === 'disabled' ? i : null;
    });
    expect(disabled.health.lastError).toMatch(/channel_not_found/);

    const { url, cookie } = await startInstall(api, { integrationId: installedId });
    const check = verifyState(stateKeyFrom(slack.clientSecret), stateOf(url));
    expect(check.ok && check.payload.integrationId).toBe(installedId);
    const res = await callback(await slack.allow(url, '#deploys'), cookie);
    expect(res.status, res.text).toBe(302);
    expect(res.headers.get('location')).toBe(`/#/integrations/${installedId}`);

    const newHook = slack.webhooks.at(-1)!;
    expect(newHook.url).not.toBe(oldHook.url);
    const healthy = await eventually(async () => {
      const i = (await api.get(`/v1/integrations/${installedId}`)).body;
      return i.state === 'healthy' ? i : null;
    });
    expect(healthy).toMatchObject({
      enabled: true,
      name: 'Ops alerts',
      events: ['build:*'],
      slack: { channel: '#deploys' },
    });
    expect(healthy.health.transitions[0]).toMatchObject({ from: 'disabled', to: 'healthy' });
    expect(healthy.health.transitions[0].reason).toContain('reinstalled');
    // The confirmation went to the new webhook…
    const to = (hook: string) => slack.messages.filter((m) => m.url === hook);
    await eventually(() => to(newHook.url).length === 1);
    // …and so do events from now on.
    const { teamId: _t2, ...next } = exampleEvent('build:success', { id: `evt_after_${Date.now()}` });
    expect((await api.post('/v1/events', next)).status).toBe(202);
    await eventually(() => to(newHook.url).length === 2);
    const deliveries = (await api.get(`/v1/integrations/${installedId}/deliveries`)).body.items;
    expect(deliveries.find((d: { eventId: string }) => d.eventId === next.id)).toMatchObject({
      status: 'succeeded',
    });
  });

  it('keeps the channel through an edit that leaves the URL, and stops showing it once another URL is pasted', async () => {
    const edited = await api.patch(`/v1/integrations/${installedId}`, { name: 'Renamed', config: {} });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.slack.channel).toBe('#deploys');
    const pasted = await api.patch(`/v1/integrations/${installedId}`, {
      config: { url: `${slack.url}/services/T0/B0/pasted` },
    });
    expect(pasted.status).toBe(200);
    expect(pasted.body.slack).toBeUndefined();
  });

  it('still shows an install record written before connect flows were generic (flat, with urlHash)', async () => {
    const url = `${slack.url}/services/T0/B9/legacy`;
    const created = await api.post('/v1/integrations', {
      name: 'Legacy',
      type: 'slack',
      config: { url },
      confirm: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.slack).toBeUndefined();
    await herald.resolve(TOKENS.buckets).teams.put(
      `slack-install.${created.body.id}`,
      JSON.stringify({
        integrationId: created.body.id,
        teamId: 'acme',
        channel: '#legacy',
        channelId: 'C0LEGACY',
        configurationUrl: null,
        workspace: { id: 'T0', name: 'Old Inc' },
        installedAt: '2026-11-30T12:00:00.000Z',
        urlHash: createHash('sha256').update(url).digest('hex'),
      }),
    );
    const read = (await api.get(`/v1/integrations/${created.body.id}`)).body;
    expect(read.slack).toEqual({
      channel: '#legacy',
      channelId: 'C0LEGACY',
      configurationUrl: null,
      workspace: 'Old Inc',
      installedAt: '2026-11-30T12:00:00.000Z',
    });
    expect(read.connection.rows).toEqual([
      { id: 'channel', label: 'Channel', text: '#legacy in Old Inc', href: null },
    ]);
    expect((await api.delete(`/v1/integrations/${created.body.id}`)).status).toBe(204);
  });

  it('never logs the client secret, codes, states or webhook URLs; forgets the install record when the integration is deleted', async () => {
    const logs = herald.logs.text;
    expect(logs).toContain('"outcome":"installed"');
    expect(logs).not.toContain(slack.clientSecret);
    for (const hook of slack.webhooks) expect(logs).not.toContain(new URL(hook.url).pathname);
    for (const e of slack.exchanges) if (e.params.code) expect(logs).not.toContain(e.params.code);
    expect(logs).not.toContain('xoxb-');
    expect(logs).not.toMatch(/state=v1\./);

    const key = `slack-install.${installedId}`;
    expect((await herald.resolve(TOKENS.buckets).teams.get(key))?.operation).toBe('PUT');
    expect((await api.delete(`/v1/integrations/${installedId}`)).status).toBe(204);
    await eventually(async () => (await herald.resolve(TOKENS.buckets).teams.get(key))?.operation !== 'PUT');
  });
});

describe('Slack install — without a Slack app', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let api: ApiClient;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
    api = apiClient(herald.url, (await herald.resolve(ApiKeyStore).create('acme')).key);
  });
  afterAll(async () => {
    await herald?.stop();
    await nats?.cleanup();
  });

  it('says the install is unavailable and why; starting one is a 409 naming the variables; the callback a clear 404 page', async () => {
    const app = await api.get('/v1/integrations/slack/app');
    expect(app.body).toMatchObject({ installAvailable: false, clientId: null, redirectUri: null });
    expect(app.body.reason).toContain('HERALD_SLACK_CLIENT_ID');
    const start = await api.post('/v1/integrations/slack/install', { name: 'x' });
    expect(start.status).toBe(409);
    expect(start.body.error.code).toBe('slack_app_not_configured');
    expect(start.body.error.message).toContain('HERALD_PUBLIC_URL');
    const res = await callback(`${herald.url}${CALLBACK}?code=x&state=y`);
    expect(res.status).toBe(404);
    expect(outcomeOf(res.text)).toBe('not_configured');
  });

  it('config: a half-configured Slack app stops start-up naming what is missing', () => {
    expect(() => slackAppOf({ HERALD_SLACK_CLIENT_ID: '1.2' })).toThrow(ConfigError);
    try {
      slackAppOf({ HERALD_SLACK_CLIENT_ID: '1.2' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(
        /HERALD_SLACK_CLIENT_SECRET[\s\S]*HERALD_PUBLIC_URL/,
      );
    }
    const env = {
      HERALD_SLACK_CLIENT_ID: '1.2',
      HERALD_SLACK_CLIENT_SECRET: 's3cr3t',
      HERALD_PUBLIC_URL: 'https://herald.example.com/',
    };
    const full = loadConfig(env);
    expect(full.publicUrl).toBe('https://herald.example.com');
    expect(slackAppOf(env)).toEqual({ clientId: '1.2', clientSecret: 's3cr3t', apiUrl: 'https://slack.com' });
    expect(slackAppOf({})).toBeNull();
  });

  it('start-up stops on a half-configured Slack app, before anything listens', async () => {
    const started = startHerald(nats.url, { HERALD_SLACK_CLIENT_SECRET: 's3cr3t' });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      /HERALD_SLACK_CLIENT_ID: required when HERALD_SLACK_CLIENT_SECRET is set/,
    );
    const badUrl = {
      HERALD_SLACK_CLIENT_ID: '1.2',
      HERALD_SLACK_CLIENT_SECRET: 's3cr3t',
      HERALD_PUBLIC_URL: 'https://herald.example.com',
      HERALD_SLACK_API_URL: 'ftp://slack.example.com',
    };
    await expect(startHerald(nats.url, badUrl)).rejects.toThrow(
      /HERALD_SLACK_API_URL: must be an http\(s\) URL like https:\/\/slack\.com/,
    );
  });
});
