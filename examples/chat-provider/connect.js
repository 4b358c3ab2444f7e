// The example provider's connect flow: "Connect to chat" instead of pasting a webhook
// URL, as a chat server with OAuth 2.0 apps offers it. The server's side is typical
// rather than any one product's: an authorize page where the user picks a channel, a
// token endpoint that answers with an incoming webhook for it (RFC 6749 §4.1.3; errors
// as §5.2 `{"error": …}`), and a revocation endpoint (RFC 7009).
//
// The runner hosts the flow — routes, signed state, browser binding, pages, saving the
// integration — exactly as it hosts Slack's; this file only says what is this server's.
// Its setup calls go through `http`, the runner's client (SSRF guard, timeout, size cap),
// so the provider needs no HTTP client of its own.
// Tested through the runner in packages/runner/test/connect-example-provider.test.ts.
import { defineConnectFlow } from '@herald/core';
import { z } from 'zod';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL like https://chat.example.com' })
  .transform((url) => url.replace(/\/+$/, ''));
const settingsSchema = z
  .object({
    HERALD_CHAT_SERVER_URL: httpUrl,
    HERALD_CHAT_CLIENT_ID: z.string().trim().min(1),
    HERALD_CHAT_CLIENT_SECRET: z
      .string()
      .min(16, 'must be the app secret the server issued (16+ characters)'),
  })
  .transform((e) => ({
    serverUrl: e.HERALD_CHAT_SERVER_URL,
    clientId: e.HERALD_CHAT_CLIENT_ID,
    clientSecret: e.HERALD_CHAT_CLIENT_SECRET,
  }));

const tokenAnswer = z.object({ webhook: z.object({ url: z.url(), channel: z.string().min(1) }) });
const stored = z.object({ channel: z.string().min(1) });

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(fields).toString(),
});

const failure = (error, status, ...message) => ({ ok: false, error, status, message });

/** The token request's answer: a webhook, or the page the user sees. */
function read(result) {
  if (!result.ok) return failure('unreachable', 502, 'The chat server could not be reached. Try again.');
  let json;
  try {
    json = JSON.parse(result.response.body);
  } catch {
    return failure('unexpected_answer', 502, 'The chat server answered something Herald cannot read.');
  }
  if (result.response.status === 400 && json?.error === 'invalid_grant')
    return failure(
      'invalid_grant',
      400,
      'The chat server did not accept the authorization: it expired or was used.',
    );
  const answer = tokenAnswer.safeParse(json);
  if (result.response.status !== 200 || !answer.success)
    return failure('unexpected_answer', 502, 'The chat server answered something Herald cannot read.');
  const { url, channel } = answer.data.webhook;
  return { ok: true, config: { url }, details: { channel }, summary: channel };
}

export const chatConnect = defineConnectFlow({
  settings: {
    env: {
      HERALD_CHAT_SERVER_URL: 'the chat server Herald is registered with, e.g. https://chat.example.com',
      HERALD_CHAT_CLIENT_ID: "Herald's OAuth app on it",
      HERALD_CHAT_CLIENT_SECRET: 'its secret: never logged; signs install links',
    },
    required: ['HERALD_CHAT_SERVER_URL', 'HERALD_CHAT_CLIENT_ID', 'HERALD_CHAT_CLIENT_SECRET'],
    schema: settingsSchema,
  },
  presentation: {
    installLabel: 'Connect to chat',
    reinstallLabel: 'Reconnect to chat',
    changeLabel: 'Pick another channel',
    steps: [
      'Herald takes you to your chat server: pick a channel, allow, and you come back to the new integration.',
    ],
    manualLabel: 'Paste a webhook URL instead',
    notConfigured: 'The operator has not registered Herald as an app on the chat server',
    cutOff: {
      fixes: ['410'],
      title: 'The chat server no longer accepts this integration’s messages',
      cause: 'Its webhook was revoked, or the channel was deleted.',
      reinstallFix: 'Reconnect to pick a channel again; the integration is enabled at once.',
      manualFix: 'Create a new incoming webhook, paste its URL with Edit, then enable the integration.',
    },
  },
  stateSecret: (settings) => settings.clientSecret,
  clientId: (settings) => settings.clientId,
  authorizeUrl({ settings, redirectUri, state }) {
    const url = new URL(`${settings.serverUrl}/oauth/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: settings.clientId,
      redirect_uri: redirectUri,
      scope: 'incoming-webhook',
      state,
    }).toString();
    return url.toString();
  },
  async exchange({ settings, redirectUri, code, http }) {
    const result = await http({
      url: `${settings.serverUrl}/oauth/token`,
      ...form({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
      }),
    });
    return read(result);
  },
  detailsSchema: stored,
  describe(details) {
    const parsed = stored.safeParse(details);
    if (!parsed.success) return undefined;
    return {
      details: parsed.data,
      rows: [{ id: 'channel', label: 'Channel', text: parsed.data.channel }],
    };
  },
  /** The webhook is the grant: revoke it, so a deleted integration's URL stops working at the server too. */
  async disconnect({ settings, config, http }) {
    const result = await http({
      url: `${settings.serverUrl}/oauth/revoke`,
      ...form({ token: config.url, client_id: settings.clientId, client_secret: settings.clientSecret }),
    });
    if (!result.ok || result.response.status !== 200)
      throw new Error(`revocation failed (${result.ok ? result.response.status : result.error})`);
  },
});
