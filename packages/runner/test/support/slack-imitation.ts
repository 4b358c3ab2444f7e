import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the parts of Slack that "Add to Slack" touches, faithful to
// Slack's documented requests and answers:
// - GET /oauth/v2/authorize (https://docs.slack.dev/authentication/installing-with-oauth):
//   checks client_id, scope and redirect_uri, shows a consent page with a channel picker,
//   "Allow" and "Cancel"; both send the browser back to redirect_uri, with `code` and
//   `state` or with `error=access_denied` and `state`.
// - POST /api/oauth.v2.access (https://docs.slack.dev/reference/methods/oauth.v2.access):
//   form-encoded (or HTTP Basic) client_id/client_secret, code, redirect_uri; answers
//   HTTP 200 with {"ok": true, …, "incoming_webhook": {…}} or {"ok": false, "error": …}.
// - The incoming webhooks it issued: POST answers 200 `ok`, or 404 `channel_not_found`
//   once the test breaks the channel; an unknown hook answers 404 `no_service`.

/** Slack's authorization codes live 10 minutes and work once. */
const CODE_TTL_MS = 10 * 60_000;
const CHANNELS = ['#general', '#ops', '#deploys'];
export const IMITATION_TEAM = { id: 'T0IMITATE', name: 'Imitation Inc' };

export interface ExchangeRequest {
  contentType: string;
  params: Record<string, string>;
  answer: { ok: boolean; error?: string };
}

export interface WebhookMessage {
  url: string;
  channel: string;
  body: string;
  at: number;
}

export interface IssuedWebhook {
  url: string;
  channel: string;
  channelId: string;
  broken: boolean;
}

export interface SlackImitation {
  /** The base URL (HERALD_SLACK_API_URL). */
  url: string;
  clientId: string;
  clientSecret: string;
  exchanges: ExchangeRequest[];
  webhooks: IssuedWebhook[];
  messages: WebhookMessage[];
  /** Resolves when `n` messages reached the issued webhooks. */
  waitForMessages(n: number, timeoutMs?: number): Promise<WebhookMessage[]>;
  /** From now on the webhook answers 404 `channel_not_found` (the channel was deleted). */
  breakChannel(url: string): void;
  /** What the consent page's "Allow" does (choosing `channel`): the URL Slack sends the browser to. */
  allow(authorizeUrl: string, channel?: string): Promise<string>;
  /** What "Cancel" does. */
  deny(authorizeUrl: string): Promise<string>;
  close(): Promise<void>;
}

/** A port nothing listens on now (for a Herald whose public URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}

function consentPage(params: URLSearchParams): string {
  const hidden = ['client_id', 'redirect_uri', 'state', 'scope']
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? '')}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack (imitation)</title><link rel="icon" href="data:,"></head>
<body><h1>Herald is requesting permission to access the ${escapeHtml(IMITATION_TEAM.name)} Slack workspace</h1>
<form method="post" action="/oauth/v2/authorize/decision">${hidden}
<label for="channel">Where should Herald post?</label>
<select id="channel" name="channel">${CHANNELS.map((c) => `<option>${c}</option>`).join('')}</select>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
</form></body></html>`;
}

/** Starts the imitation; `redirectUri` is the one redirect URL registered with the app. */
export async function startSlackImitation(opts: { redirectUri: string }): Promise<SlackImitation> {
  const clientId = `${Date.now()}.${randomBytes(4).readUInt32BE()}`;
  const clientSecret = randomBytes(16).toString('hex');
  const codes = new Map<string, { redirectUri: string; channel: string; at: number; used: boolean }>();
  const exchanges: ExchangeRequest[] = [];
  const webhooks: IssuedWebhook[] = [];
  const messages: WebhookMessage[] = [];
  const waiters: Array<{ n: number; resolve: (m: WebhookMessage[]) => void }> = [];
  let base = '';

  const authorizeProblem = (p: URLSearchParams): string | null => {
    if (p.get('client_id') !== clientId) return 'invalid_client_id';
    if (!(p.get('scope') ?? '').split(',').includes('incoming-webhook')) return 'invalid_scope';
    if (p.get('redirect_uri') !== opts.redirectUri) return 'bad_redirect_uri';
    return null;
  };

  const exchange = (params: Record<string, string>): ExchangeRequest['answer'] & Record<string, unknown> => {
    if (params.client_id !== clientId) return { ok: false, error: 'invalid_client_id' };
    if (params.client_secret !== clientSecret) return { ok: false, error: 'bad_client_secret' };
    const grant = params.code ? codes.get(params.code) : undefined;
    if (!grant || grant.used || Date.now() - grant.at > CODE_TTL_MS)
      return { ok: false, error: 'invalid_code' };
    if (params.redirect_uri !== undefined && params.redirect_uri !== grant.redirectUri)
      return { ok: false, error: 'bad_redirect_uri' };
    grant.used = true;
    const n = webhooks.length + 1;
    const hook: IssuedWebhook = {
      url: `${base}/services/${IMITATION_TEAM.id}/B0000${n}/${randomBytes(12).toString('base64url')}`,
      channel: grant.channel,
      channelId: `C0000${n}`,
      broken: false,
    };
    webhooks.push(hook);
    return {
      ok: true,
      app_id: 'A0HERALD',
      authed_user: { id: 'U0INSTALLER' },
      scope: 'incoming-webhook',
      token_type: 'bot',
      access_token: `xoxb-imitation-${randomBytes(8).toString('hex')}`,
      bot_user_id: 'U0HERALDBOT',
      team: IMITATION_TEAM,
      enterprise: null,
      is_enterprise_install: false,
      incoming_webhook: {
        channel: hook.channel,
        channel_id: hook.channelId,
        configuration_url: `https://imitation.slack.com/services/B0000${n}`,
        url: hook.url,
      },
    };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://imitation');
      if (req.method === 'GET' && url.pathname === '/oauth/v2/authorize') {
        const problem = authorizeProblem(url.searchParams);
        if (problem) return send(res, 400, 'text/html', `<h1>Something went wrong: ${problem}</h1>`);
        return send(res, 200, 'text/html; charset=utf-8', consentPage(url.searchParams));
      }
      if (req.method === 'POST' && url.pathname === '/oauth/v2/authorize/decision') {
        const form = new URLSearchParams(await readBody(req));
        const problem = authorizeProblem(form);
        if (problem) return send(res, 400, 'text/html', `<h1>Something went wrong: ${problem}</h1>`);
        const back = new URL(form.get('redirect_uri')!);
        if (form.get('decision') === 'allow') {
          const code = `${Date.now()}.${randomBytes(16).toString('hex')}`;
          codes.set(code, {
            redirectUri: back.toString(),
            channel: form.get('channel') ?? CHANNELS[0]!,
            at: Date.now(),
            used: false,
          });
          back.searchParams.set('code', code);
        } else {
          back.searchParams.set('error', 'access_denied');
        }
        back.searchParams.set('state', form.get('state') ?? '');
        res.writeHead(302, { location: back.toString() }).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/oauth.v2.access') {
        const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) {
          const [id, secret] = Buffer.from(basic[1]!, 'base64').toString().split(':');
          Object.assign(params, { client_id: id, client_secret: secret });
        }
        const answer = exchange(params);
        exchanges.push({
          contentType: req.headers['content-type'] ?? '',
          params,
          answer: { ok: answer.ok, ...(answer.error ? { error: answer.error } : {}) },
        });
        return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(answer));
      }
      const hook = webhooks.find((w) => new URL(w.url).pathname === url.pathname);
      if (req.method === 'POST' && url.pathname.startsWith('/services/')) {
        const body = await readBody(req);
        if (!hook) return send(res, 404, 'text/plain', 'no_service');
        if (hook.broken) return send(res, 404, 'text/plain', 'channel_not_found');
        messages.push({ url: hook.url, channel: hook.channel, body, at: Date.now() });
        for (const w of [...waiters])
          if (messages.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(messages.slice());
          }
        return send(res, 200, 'text/plain', 'ok');
      }
      send(res, 404, 'text/plain', 'not found');
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const decide = async (authorizeUrl: string, decision: 'allow' | 'cancel', channel?: string) => {
    const page = await fetch(authorizeUrl);
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${await page.text()}`);
    const form = new URLSearchParams(new URL(authorizeUrl).searchParams);
    form.set('decision', decision);
    if (channel) form.set('channel', channel);
    const res = await fetch(`${base}/oauth/v2/authorize/decision`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`decision answered ${res.status}`);
    return location;
  };

  return {
    url: base,
    clientId,
    clientSecret,
    exchanges,
    webhooks,
    messages,
    waitForMessages: (n, timeoutMs = 10_000) =>
      messages.length >= n
        ? Promise.resolve(messages.slice())
        : new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`imitation saw ${messages.length} of ${n} messages in ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              n,
              resolve: (m) => {
                clearTimeout(timer);
                resolve(m);
              },
            });
          }),
    breakChannel: (hookUrl) => {
      const hook = webhooks.find((w) => w.url === hookUrl);
      if (!hook) throw new Error('no such webhook');
      hook.broken = true;
    },
    allow: (authorizeUrl, channel) => decide(authorizeUrl, 'allow', channel),
    deny: (authorizeUrl) => decide(authorizeUrl, 'cancel'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
