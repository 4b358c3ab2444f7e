import { describe, expect, it } from 'vitest';
import type { ExchangeResult, SetupHttp, SetupHttpResult } from '../provider/connect.js';
import type { Provider } from '../provider/contract.js';

// The checks every provider's connect flow passes, whatever its destination: its
// settings come from its own variables, its authorize URL carries the state and the
// redirect URI, and its exchange and its reading of stored details survive whatever
// comes back — a failed call, garbage, a cut body — with a page that quotes neither a
// secret nor the answer.

export interface ConnectConformanceOptions<C> {
  provider: Provider<C>;
  /** A complete, valid set of the flow's variables. */
  env: Record<string, string>;
  /** Values that must never reach a page or a URL (the client secret). */
  secrets: string[];
}

const REDIRECT_URI = 'https://herald.example.com/v1/integrations/x/callback';
const STATE = 'v1.eyJ0ZXN0Ijp0cnVlfQ.c2lnbmF0dXJl';
const GARBAGE = '<html>Bad gateway: secret-looking-text</html>';

/** Setup answers a flow must read into a failure (never a throw, never a config). */
const BAD_ANSWERS: Array<[string, SetupHttpResult]> = [
  ['no answer', { ok: false, error: 'timeout' }],
  [
    'a 502 with an HTML page',
    { ok: true, truncated: false, response: { status: 502, headers: {}, body: GARBAGE } },
  ],
  [
    'a 200 that is not JSON',
    { ok: true, truncated: false, response: { status: 200, headers: {}, body: GARBAGE } },
  ],
  [
    'a body cut at the cap',
    { ok: true, truncated: true, response: { status: 200, headers: {}, body: '{"ok":tr' } },
  ],
  [
    'an empty JSON object',
    { ok: true, truncated: false, response: { status: 200, headers: {}, body: '{}' } },
  ],
];

/** Registers the connect-flow conformance tests of a provider that has one. */
export function runConnectConformance<C>(options: ConnectConformanceOptions<C>): void {
  const flow = options.provider.connect;
  if (!flow) throw new Error(`provider ${options.provider.type} has no connect flow`);
  const parse = (env: Record<string, string | undefined>) => flow.settings.schema.safeParse(env);

  describe(`${options.provider.type} connect flow — conformance`, () => {
    it('reads its settings from its own variables, each of them declared', () => {
      expect(parse(options.env).success).toBe(true);
      for (const name of Object.keys(options.env)) expect(Object.keys(flow.settings.env)).toContain(name);
      for (const name of flow.settings.required) {
        const without = parse({ ...options.env, [name]: undefined });
        expect(without.success, `${name} is required`).toBe(false);
        if (!without.success) expect(without.error.issues[0]?.path[0]).toBe(name);
      }
    });

    const settings = () => {
      const parsed = parse(options.env);
      if (!parsed.success) throw new Error('the example settings do not parse');
      return parsed.data;
    };

    it('sends the browser to an http(s) page with the state and the redirect URI, and no secret', () => {
      const url = new URL(
        flow.authorizeUrl({ settings: settings(), redirectUri: REDIRECT_URI, state: STATE }),
      );
      expect(url.protocol).toMatch(/^https?:$/);
      expect([...url.searchParams.values()]).toEqual(expect.arrayContaining([STATE, REDIRECT_URI]));
      for (const s of options.secrets) expect(url.toString()).not.toContain(s);
      expect(options.secrets).toContain(flow.stateSecret(settings()));
    });

    it.each(BAD_ANSWERS)(
      'reads %s as a failure page that quotes neither a secret nor the answer',
      async (_, answer) => {
        const http: SetupHttp = async () => answer;
        const result: ExchangeResult<unknown> = await flow.exchange({
          settings: settings(),
          redirectUri: REDIRECT_URI,
          code: 'code-1',
          params: {},
          http,
        });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(600);
        expect(result.message.length).toBeGreaterThan(0);
        const page = JSON.stringify(result);
        for (const s of [...options.secrets, 'secret-looking-text']) expect(page).not.toContain(s);
      },
    );

    it('shows nothing for stored details it cannot read, without throwing', () => {
      for (const stored of [undefined, null, 'text', 42, [], {}])
        expect(flow.describe(stored)).toBeUndefined();
    });
  });
}
