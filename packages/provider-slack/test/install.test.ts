import type { HttpRequestSpec, SetupHttp, SetupHttpResult } from '@herald/core';
import { describe, expect, it } from 'vitest';
import {
  describeSlackInstall,
  exchangeSlackCode,
  type SlackAppSettings,
  slackAppSettings,
  slackAuthorizeUrl,
} from '../src/index.js';

// "Add to Slack" without a server: the exchange gets a setup client that answers what
// Slack documents (https://docs.slack.dev/reference/methods/oauth.v2.access).

const SETTINGS: SlackAppSettings = {
  clientId: '1234.5678',
  clientSecret: 'slack-client-secret-0123',
  apiUrl: 'https://slack.com',
};
const REDIRECT_URI = 'https://herald.example.com/v1/integrations/slack/callback';
const HOOK = 'https://hooks.slack.com/services/T0AAA/B0BBB/abcdefghijklmnopqrstuvwx';

function slackAnswering(status: number, body: unknown): { http: SetupHttp; sent: HttpRequestSpec[] } {
  const sent: HttpRequestSpec[] = [];
  const answer: SetupHttpResult = {
    ok: true,
    truncated: false,
    response: {
      status,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
  };
  return {
    sent,
    http: async (request) => {
      sent.push(request);
      return answer;
    },
  };
}

const exchange = (http: SetupHttp) =>
  exchangeSlackCode({ settings: SETTINGS, redirectUri: REDIRECT_URI, code: '42.abc', params: {}, http });

const GRANT = {
  ok: true,
  access_token: 'xoxb-not-kept',
  team: { id: 'T0AAA', name: 'Acme' },
  incoming_webhook: {
    channel: '#ops',
    channel_id: 'C0OPS',
    configuration_url: 'https://acme.slack.com/services/B0BBB',
    url: HOOK,
  },
};

describe('Slack install — settings, authorize URL, code exchange', () => {
  it('reads the app from HERALD_SLACK_*, with slack.com by default and no trailing slash', () => {
    const parsed = slackAppSettings.schema.parse({
      HERALD_SLACK_CLIENT_ID: ' 1234.5678 ',
      HERALD_SLACK_CLIENT_SECRET: 's3cr3t',
    });
    expect(parsed).toEqual({ clientId: '1234.5678', clientSecret: 's3cr3t', apiUrl: 'https://slack.com' });
    const local = slackAppSettings.schema.parse({
      HERALD_SLACK_CLIENT_ID: '1',
      HERALD_SLACK_CLIENT_SECRET: 's',
      HERALD_SLACK_API_URL: 'http://127.0.0.1:9/',
    });
    expect(local.apiUrl).toBe('http://127.0.0.1:9');
  });

  it('asks Slack for the incoming-webhook scope only, with the redirect URI and state', () => {
    const url = new URL(
      slackAuthorizeUrl({ settings: SETTINGS, redirectUri: REDIRECT_URI, state: 'v1.x.y' }),
    );
    expect(`${url.origin}${url.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: '1234.5678',
      scope: 'incoming-webhook',
      redirect_uri: REDIRECT_URI,
      state: 'v1.x.y',
    });
  });

  it('exchanges the code form-encoded and keeps the webhook as the config, where it posts as details', async () => {
    const slack = slackAnswering(200, GRANT);
    const result = await exchange(slack.http);
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]).toMatchObject({
      method: 'POST',
      url: 'https://slack.com/api/oauth.v2.access',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(Object.fromEntries(new URLSearchParams(slack.sent[0]!.body))).toEqual({
      client_id: '1234.5678',
      client_secret: 'slack-client-secret-0123',
      code: '42.abc',
      redirect_uri: REDIRECT_URI,
    });
    expect(result).toEqual({
      ok: true,
      config: { url: HOOK },
      details: {
        channel: '#ops',
        channelId: 'C0OPS',
        configurationUrl: 'https://acme.slack.com/services/B0BBB',
        workspace: { id: 'T0AAA', name: 'Acme' },
      },
      summary: '#ops',
    });
    expect(JSON.stringify(result)).not.toContain('xoxb-');
  });

  it.each([
    ['invalid_code', 400, /did not accept the authorization \(invalid_code\)/],
    [
      'bad_client_secret',
      502,
      /refused Herald's Slack app settings \(bad_client_secret\)[\s\S]*redirect URL/,
    ],
    ['ratelimited', 502, /answered with an error \(ratelimited\)/],
  ])(
    'reads {"ok": false, "error": "%s"} as a %i page saying whose it is to fix',
    async (error, status, text) => {
      const result = await exchange(slackAnswering(200, { ok: false, error }).http);
      expect(result).toMatchObject({ ok: false, error, status });
      expect(!result.ok && result.message.join(' ')).toMatch(text);
    },
  );

  it('quotes only code-shaped errors, never free text from the answer', async () => {
    const result = await exchange(
      slackAnswering(200, { ok: false, error: 'see <script>alert(1)</script>' }).http,
    );
    expect(result).toMatchObject({ ok: false, error: 'unknown' });
    expect(JSON.stringify(result)).not.toContain('script');
  });

  it('refuses an answer without a webhook, or with one that is not a URL', async () => {
    const { incoming_webhook: _hook, ...noHook } = GRANT;
    expect(await exchange(slackAnswering(200, noHook).http)).toMatchObject({ error: 'no_incoming_webhook' });
    const badUrl = { ...GRANT, incoming_webhook: { ...GRANT.incoming_webhook, url: 'not a url' } };
    expect(await exchange(slackAnswering(200, badUrl).http)).toMatchObject({ error: 'unexpected_answer' });
  });

  it('tells an unreachable Slack from a broken answer', async () => {
    expect(await exchange(async () => ({ ok: false, error: 'timeout' }))).toMatchObject({
      error: 'slack_unreachable',
      status: 502,
    });
    expect(await exchange(slackAnswering(503, '<html>down</html>').http)).toMatchObject({
      error: 'slack_unavailable',
    });
    expect(await exchange(slackAnswering(200, 'not json').http)).toMatchObject({
      error: 'unexpected_answer',
    });
  });

  it('drops a configuration link that is not http(s)', async () => {
    const sneaky = {
      ...GRANT,
      incoming_webhook: { ...GRANT.incoming_webhook, configuration_url: 'javascript:alert(1)' },
    };
    const result = await exchange(slackAnswering(200, sneaky).http);
    expect(result.ok && result.details.configurationUrl).toBeNull();
  });
});

describe('Slack install — what reads show of it', () => {
  it('shows the channel in its workspace and links to Slack’s page for the webhook', () => {
    expect(
      describeSlackInstall({
        channel: '#ops',
        channelId: 'C0OPS',
        configurationUrl: 'https://acme.slack.com/services/B0BBB',
        workspace: { id: 'T0AAA', name: 'Acme' },
      }),
    ).toEqual({
      details: {
        channel: '#ops',
        channelId: 'C0OPS',
        configurationUrl: 'https://acme.slack.com/services/B0BBB',
        workspace: 'Acme',
      },
      rows: [
        { id: 'channel', label: 'Channel', text: '#ops in Acme' },
        {
          id: 'configuration',
          label: 'In Slack',
          text: 'Manage the webhook',
          href: 'https://acme.slack.com/services/B0BBB',
        },
      ],
    });
  });

  it('reads a record of an older version (no workspace, damaged fields) and refuses one without a channel', () => {
    const view = describeSlackInstall({ channel: '#ops', channelId: 7, configurationUrl: 'javascript:x' });
    expect(view?.rows).toEqual([{ id: 'channel', label: 'Channel', text: '#ops' }]);
    expect(view?.details).toEqual({
      channel: '#ops',
      channelId: null,
      configurationUrl: null,
      workspace: null,
    });
    expect(describeSlackInstall({ channelId: 'C0' })).toBeUndefined();
  });
});
