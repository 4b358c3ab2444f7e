import { createServer, type Server } from 'node:net';
import { freePort, startNats, type TestNats } from '@herald/core/testing';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS } from '../src/nats/provision.js';
import { CLI, type RunResult, requireBuiltCli, run } from './support/cli.js';

/** A failed start-up must be over within this (NATS answers at once here). */
const FAILED_START_MS = 5_000;

/** `herald <args>` to its end, killed after `timeoutMs` (a command that should not have run on). */
function herald(args: string[], env: Record<string, string>, cwd?: string, timeoutMs = 8_000) {
  return run(process.execPath, [CLI, ...args], { env, cwd, timeoutMs });
}

describe('herald lifecycle — start-up failures (built CLI, child processes)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let env: Record<string, string>;

  const leaseKeys = async () => {
    const kv = await new Kvm(nc).open(BUCKETS.leases);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    return keys;
  };
  const oneLine = (res: RunResult) => res.stderr.trimEnd().split('\n');

  beforeAll(async () => {
    requireBuiltCli();
    nats = await startNats({ faults: true });
    nc = await connect({ servers: nats.url });
    env = { NATS_URL: nats.url, HERALD_HOST: '127.0.0.1', HERALD_PARTITIONS: '4', LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.cleanup();
  });

  describe('start-up failures exit 1 at once, with one readable line', () => {
    it('a taken HTTP port: exits before taking any partition (no lease left behind)', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      try {
        const started = Date.now();
        const res = await herald(['start'], { ...env, HERALD_PORT: String(port) });
        expect(Date.now() - started).toBeLessThan(FAILED_START_MS);
        expect(res.code).toBe(1);
        expect(oneLine(res)).toEqual([
          `herald: cannot listen on 127.0.0.1:${port}: the port is already in use (set HERALD_PORT, or stop what holds it)`,
        ]);
        // The bucket was provisioned (start-up got that far), but holds no lease or member.
        expect(await leaseKeys()).toEqual([]);
      } finally {
        blocker.close();
      }
    });

    it('NATS refusing: names the URL it tried (without its credentials)', async () => {
      const port = await freePort();
      const res = await herald(['start'], {
        ...env,
        NATS_URL: `nats://herald:hunter2-pass@127.0.0.1:${port}`,
        HERALD_PORT: String(await freePort()),
      });
      expect(res.code).toBe(1);
      expect(oneLine(res)).toEqual([
        `herald: cannot connect to NATS at nats://127.0.0.1:${port}: connection refused (is nats-server running? set NATS_URL)`,
      ]);
      expect(res.stderr + res.stdout).not.toContain('hunter2-pass');
    });

    it('a provider module that does not load', async () => {
      const provider = await herald(['start'], {
        ...env,
        HERALD_PORT: String(await freePort()),
        HERALD_PROVIDERS: './no/such-provider.js',
      });
      expect(provider.code).toBe(1);
      expect(oneLine(provider)).toHaveLength(1);
      expect(provider.stderr).toMatch(/^herald: cannot load provider module "\.\/no\/such-provider\.js"/);
    });
  });
});
