import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressBlockedError, EgressGuard } from '../src/delivery/egress-guard.js';
import { HttpSender } from '../src/delivery/http-sender.js';

/** A real server that counts every request that reaches it: an SSRF target. */
async function target(host: string): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('internal secrets');
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

describe('reliability — SSRF: the egress guard and the sender', () => {
  const guard = new EgressGuard();

  it.each([
    // [address, allowed]: both sides of each blocked range's edges.
    ['126.255.255.255', true],
    ['127.0.0.0', false],
    ['127.255.255.255', false],
    ['128.0.0.0', true],
    ['9.255.255.255', true],
    ['10.0.0.0', false],
    ['10.255.255.255', false],
    ['11.0.0.0', true],
    ['172.15.255.255', true],
    ['172.16.0.0', false],
    ['172.31.255.255', false],
    ['192.167.255.255', true],
    ['192.168.0.0', false],
    ['192.168.255.255', false],
    ['192.169.0.0', true],
    ['169.253.255.255', true],
    ['169.254.0.0', false],
    ['169.254.169.254', false],
    ['169.255.0.0', true],
    ['100.63.255.255', true],
    ['100.64.0.0', false],
    ['100.127.255.255', false],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fc00::', false],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['fe00::1', true],
    // IPv4-mapped IPv6, dotted and in the hex form WHATWG URL parsing produces.
    ['::ffff:169.254.169.254', false],
    ['::ffff:a9fe:a9fe', false],
    ['::ffff:7f00:1', false],
    ['::ffff:a00:1', false],
    ['::ffff:c0a8:101', false],
    ['::ffff:808:808', true],
    // IPv4-compatible IPv6 (deprecated by RFC 4291, still routed to IPv4 by some stacks).
    ['::7f00:1', false],
    ['::a9fe:a9fe', false],
    // NAT64 and 6to4 wrappings of a loopback address.
    ['64:ff9b::7f00:1', false],
    ['2002:7f00:1::', false],
  ] as const)('%s is allowed: %s', (address, allowed) => {
    expect(guard.allows(address)).toBe(allowed);
  });

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f.0x0.0x0.0x1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::127.0.0.1]/', '[::7f00:1]'],
  ])('WHATWG URL parsing reads %s as %s, which the guard refuses', (url, hostname) => {
    const parsed = new URL(url).hostname;
    expect(parsed).toBe(hostname);
    expect(guard.allows(parsed.replace(/^\[|\]$/g, ''))).toBe(false);
  });

  describe('the sender refuses every spelling of a private address, and nothing is reached', () => {
    let v4: Awaited<ReturnType<typeof target>>;
    let v6: Awaited<ReturnType<typeof target>>;
    const sender = new HttpSender({ guard: new EgressGuard(), timeoutMs: 2_000 });

    beforeAll(async () => {
      v4 = await target('127.0.0.1');
      v6 = await target('::1');
    });
    afterAll(async () => {
      await sender.close();
      v4?.server.close();
      v6?.server.close();
    });

    const v4Urls = [
      'http://127.0.0.1:PORT/',
      'http://2130706433:PORT/',
      'http://017700000001:PORT/',
      'http://0177.0.0.1:PORT/',
      'http://0x7f.1:PORT/',
      'http://0x7f000001:PORT/',
      'http://127.1:PORT/',
      'http://0:PORT/',
      'http://0.0.0.0:PORT/',
      'http://[::ffff:127.0.0.1]:PORT/',
      'http://[::ffff:7f00:1]:PORT/',
      'http://[::127.0.0.1]:PORT/',
      'http://localhost:PORT/',
      'http://LOCALHOST:PORT/',
    ];
    it.each(v4Urls)('%s (a server listens on 127.0.0.1)', async (template) => {
      const result = await sender.send({
        method: 'POST',
        url: template.replace('PORT', String(v4.port)),
        headers: {},
        body: '{}',
      });
      expect(result.ok ? 'sent' : result.error.kind).toBe('egress_blocked');
      const message = result.ok ? '' : result.error.message;
      if (/localhost/i.test(template)) {
        // A name: the error says it resolves to a refused address, never which one (the
        // team that set the URL reads it; an internal name's address is not theirs to learn).
        expect(message).toMatch(
          /^refused to connect to localhost: it resolves to a private, loopback or reserved/,
        );
        expect(message).not.toMatch(/127\.0\.0\.1|::1/);
      } else {
        expect(message).toMatch(/^refused to connect to [0-9a-f:.]+: a private/);
      }
      expect(v4.hits()).toBe(0);
    });

    it.each(['http://[::1]:PORT/', 'http://[0:0:0:0:0:0:0:1]:PORT/', 'http://localhost:PORT/'])(
      '%s (a server listens on ::1)',
      async (template) => {
        const result = await sender.send({
          method: 'POST',
          url: template.replace('PORT', String(v6.port)),
          headers: {},
          body: '{}',
        });
        expect(result.ok ? 'sent' : result.error.kind).toBe('egress_blocked');
        expect(v6.hits()).toBe(0);
      },
    );

    it('reaches the same server once the operator allows loopback, which proves the refusals above were the guard', async () => {
      const local = new HttpSender({ guard: new EgressGuard(['127.0.0.0/8']), timeoutMs: 2_000 });
      try {
        for (const url of [
          'http://2130706433:PORT/',
          'http://[::ffff:127.0.0.1]:PORT/',
          'http://localhost:PORT/',
        ]) {
          const result = await local.send({
            method: 'POST',
            url: url.replace('PORT', String(v4.port)),
            headers: {},
            body: '{}',
          });
          expect(result.ok && result.response.status, url).toBe(200);
        }
        expect(v4.hits()).toBe(3);
        // The allow-list is by range: ::1 is still refused.
        const v6Result = await local.send({
          method: 'POST',
          url: `http://[::1]:${v6.port}/`,
          headers: {},
          body: '{}',
        });
        expect(v6Result.ok ? 'sent' : v6Result.error.kind).toBe('egress_blocked');
      } finally {
        await local.close();
      }
    });
  });

  it('resolves names and refuses them when every address is private; keeps only allowed addresses otherwise', async () => {
    const lookup = (g: EgressGuard, name: string) =>
      new Promise<{ err: Error | null; addresses: unknown }>((resolve) =>
        g.lookup(name, { all: true }, (err, addresses) => resolve({ err, addresses })),
      );
    const refused = await lookup(guard, 'localhost');
    expect(refused.err).toBeInstanceOf(EgressBlockedError);
    expect(refused.err!.message).toContain('localhost: it resolves to a private');
    expect(refused.err!.message).not.toMatch(/127\.0\.0\.1|::1/);
    const allowed = await lookup(new EgressGuard(['127.0.0.0/8']), 'localhost');
    expect(allowed.err).toBeNull();
    expect(allowed.addresses).toEqual(expect.arrayContaining([{ address: '127.0.0.1', family: 4 }]));
    expect((allowed.addresses as Array<{ address: string }>).every((a) => a.address.startsWith('127.'))).toBe(
      true,
    );
  });
});
