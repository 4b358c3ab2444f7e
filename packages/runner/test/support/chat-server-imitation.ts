import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the chat server the example provider (examples/chat-provider) connects
// to, with the OAuth 2.0 endpoints a typical one has:
// - GET /oauth/authorize: checks response_type, client_id and redirect_uri, and — as a
//   user who picked `channel` and clicked Allow — redirects back with `code` and `state`;
// - POST /oauth/token: form-encoded grant_type, code, redirect_uri, client_id and
//   client_secret (RFC 6749 §4.1.3) → 200 {"webhook": {url, channel}}, or 400
//   {"error": "invalid_grant"} (§5.2);
// - POST /oauth/revoke: token (a webhook URL), client_id, client_secret (RFC 7009);
// - the webhooks it issued: POST answers 200, or 410 once revoked.

export interface ChatServerImitation {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The channel the next "Allow" picks. */
  channel: string;
  tokenRequests: Array<Record<string, string>>;
  revoked: string[];
  hooks: Array<{ url: string; channel: string }>;
  messages: Array<{ url: string; body: string }>;
  /** What the browser does on the authorize page: the URL it is sent back to. */
  allow(authorizeUrl: string): Promise<string>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Starts the imitation; `redirectUri` is the one registered for Herald's app. */
export async function startChatServer(opts: { redirectUri: string }): Promise<ChatServerImitation> {
  const codes = new Map<string, { channel: string; used: boolean }>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://imitation');
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
        const q = url.searchParams;
        if (
          q.get('response_type') !== 'code' ||
          q.get('client_id') !== self.clientId ||
          q.get('redirect_uri') !== opts.redirectUri
        )
          return json(400, { error: 'invalid_request' });
        const code = randomBytes(12).toString('hex');
        codes.set(code, { channel: self.channel, used: false });
        const back = new URL(opts.redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        return res.writeHead(302, { location: back.toString() }).end();
      }
      const raw = req.method === 'POST' ? await readBody(req) : '';
      const form = Object.fromEntries(new URLSearchParams(raw));
      const client = form.client_id === self.clientId && form.client_secret === self.clientSecret;
      if (req.method === 'POST' && url.pathname === '/oauth/token') {
        self.tokenRequests.push(form);
        const grant = codes.get(form.code ?? '');
        if (!client) return json(401, { error: 'invalid_client' });
        if (
          form.grant_type !== 'authorization_code' ||
          form.redirect_uri !== opts.redirectUri ||
          !grant ||
          grant.used
        )
          return json(400, { error: 'invalid_grant' });
        grant.used = true;
        const hook = {
          url: `${self.url}/hooks/${randomBytes(12).toString('base64url')}`,
          channel: grant.channel,
        };
        self.hooks.push(hook);
        return json(200, { access_token: 'not-kept', webhook: hook });
      }
      if (req.method === 'POST' && url.pathname === '/oauth/revoke') {
        if (!client) return json(401, { error: 'invalid_client' });
        self.revoked.push(form.token ?? '');
        return json(200, {});
      }
      const hook = self.hooks.find((h) => new URL(h.url).pathname === url.pathname);
      if (req.method === 'POST' && hook) {
        if (self.revoked.includes(hook.url)) return json(410, { error: 'revoked' });
        self.messages.push({ url: hook.url, body: raw });
        return json(200, { ok: true });
      }
      json(404, { error: 'not_found' });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const self: ChatServerImitation = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId: `herald-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(16).toString('hex'),
    channel: 'town-square',
    tokenRequests: [],
    revoked: [],
    hooks: [],
    messages: [],
    allow: async (authorizeUrl) => {
      const res = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}`);
      return location;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}
