import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EgressGuard } from '../src/delivery/egress-guard.js';
import { HttpSender } from '../src/delivery/http-sender.js';

describe('egress guard', () => {
  const guard = new EgressGuard();

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '240.0.0.1',
    '192.0.2.10',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
  ])('refuses %s', (address) => {
    expect(guard.allows(address)).toBe(false);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111'])(
    'allows public %s',
    (address) => {
      expect(guard.allows(address)).toBe(true);
    },
  );

  it('lets the allow-list through, and only it', () => {
    const local = new EgressGuard(['127.0.0.0/8']);
    expect(local.allows('127.0.0.1')).toBe(true);
    expect(local.allows('10.0.0.1')).toBe(false);
  });

  it('rejects a malformed CIDR with the variable named', () => {
    expect(() => new EgressGuard(['localhost'])).toThrow(/HERALD_EGRESS_ALLOW_CIDRS: "localhost"/);
  });

  it('rejects an out-of-range prefix with the entry named, not a bare RangeError', () => {
    for (const entry of ['10.0.0.0/33', '::1/129', '10.0.0.0/-1', '10.0.0.0/'])
      expect(() => new EgressGuard([entry]), entry).toThrow(
        `HERALD_EGRESS_ALLOW_CIDRS: ${JSON.stringify(entry)} is not a CIDR`,
      );
    // A bare address is that one address.
    expect(new EgressGuard(['10.1.2.3']).allows('10.1.2.3')).toBe(true);
    expect(new EgressGuard(['10.1.2.3']).allows('10.1.2.4')).toBe(false);
  });

  it('blocks a hostname that resolves to loopback at connect time, and an IP literal before connecting', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const sender = new HttpSender({ guard: new EgressGuard(), timeoutMs: 2_000 });
    const byName = await sender.send({
      method: 'POST',
      url: `http://localhost:${port}/x`,
      headers: {},
      body: '{}',
    });
    const byIp = await sender.send({
      method: 'POST',
      url: `http://127.0.0.1:${port}/x`,
      headers: {},
      body: '{}',
    });
    expect(byName.ok ? 'sent' : byName.error.kind).toBe('egress_blocked');
    expect(byIp.ok ? 'sent' : byIp.error.kind).toBe('egress_blocked');
    expect(hits).toBe(0);
    await sender.close();
    server.close();
  });
});
