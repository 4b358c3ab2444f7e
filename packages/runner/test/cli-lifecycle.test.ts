import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats, type TestNats } from '@herald/core/testing';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS } from '../src/nats/provision.js';
import { STOP_MARGIN_MS } from '../src/service.js';
import { CLI, type RunResult, requireBuiltCli, run } from './support/cli.js';
import { eventually } from './support/herald.js';
import { type RunnerProcess, startRunnerProcess } from './support/runner-process.js';

/** A failed start-up must be over within this (NATS answers at once here). */
const FAILED_START_MS = 5_000;
/** The grace period the stop tests run with. */
const GRACE_MS = 1_000;

/** `herald <args>` to its end, killed after `timeoutMs` (a command that should not have run on). */
function herald(args: string[], env: Record<string, string>, cwd?: string, timeoutMs = 8_000) {
  return run(process.execPath, [CLI, ...args], { env, cwd, timeoutMs });
}

/** Addresses with a socket listening on `port` (Linux: /proc/net/tcp and tcp6, hex). */
function listeningOn(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue;
      const hex = local.split(':')[0]!;
      out.push(
        hex.length === 8
          ? (hex.match(/../g) ?? [])
              .reverse()
              .map((b) => Number.parseInt(b, 16))
              .join('.')
          : `v6:${hex}`,
      );
    }
  }
  return out;
}

describe('herald lifecycle — start-up failures, --help, bounded stop, herald dev (built CLI, child processes)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];
  const runners: RunnerProcess[] = [];

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
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.kill('SIGKILL');
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
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

    it('a provider module that does not load, and a bad configuration listed whole', async () => {
      const provider = await herald(['start'], {
        ...env,
        HERALD_PORT: String(await freePort()),
        HERALD_PROVIDERS: './no/such-provider.js',
      });
      expect(provider.code).toBe(1);
      expect(oneLine(provider)).toHaveLength(1);
      expect(provider.stderr).toMatch(/^herald: cannot load provider module "\.\/no\/such-provider\.js"/);

      const config = await herald(['start'], {
        ...env,
        HERALD_PORT: 'eighty',
        HERALD_EGRESS_ALLOW_CIDRS: '127.0.0.0/8,10.0.0.0/33,intranet,::1/129',
      });
      expect(config.code).toBe(1);
      expect(oneLine(config)).toEqual([
        'herald: invalid configuration:',
        '  - HERALD_PORT: Invalid input: expected number, received NaN',
        '  - HERALD_EGRESS_ALLOW_CIDRS: "10.0.0.0/33" is not a CIDR like 127.0.0.0/8 or ::1/128: the prefix length must be /0–/32',
        '  - HERALD_EGRESS_ALLOW_CIDRS: "intranet" is not a CIDR like 127.0.0.0/8 or ::1/128: "intranet" is not an IP address',
        '  - HERALD_EGRESS_ALLOW_CIDRS: "::1/129" is not a CIDR like 127.0.0.0/8 or ::1/128: the prefix length must be /0–/128',
      ]);
    });
  });

  describe('--help never starts anything', () => {
    it.each([
      [['start', '--help'], 'usage: herald start'],
      [['dev', '--help'], 'usage: herald dev'],
      [['dev', '--team', 'acme', '--help'], 'usage: herald dev'],
      [['help', 'start'], 'usage: herald start'],
      [['help'], 'usage: herald <command>'],
      [['keys', 'create', '--help'], 'herald keys create'],
    ])('%j prints the usage on stdout and exits 0', async (args, usage) => {
      const port = await freePort();
      const cwd = mkdtempSync(join(tmpdir(), 'herald-help-'));
      try {
        const res = await herald(args, { ...env, HERALD_PORT: String(port) }, cwd, 5_000);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toContain(usage);
        expect(res.stderr).toBe('');
        expect(listeningOn(port)).toEqual([]);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });

    it.each([
      [[], 'missing command'],
      [['start', '--port', '9000'], "Unknown option '--port'"],
      [['start', 'now'], 'unexpected argument "now"'],
      [['dev', '--verbose'], "Unknown option '--verbose'"],
      [['help', 'frobnicate'], 'unknown command "frobnicate"'],
    ])('%j is a usage error: the message and the usage on stderr, exit 2', async (args, message) => {
      const res = await herald(args, { ...env, HERALD_PORT: String(await freePort()) }, undefined, 5_000);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stderr).toContain('usage: herald');
      expect(res.stdout).toBe('');
    });
  });

  describe('SIGTERM with NATS unreachable', () => {
    it(`stops within the grace period + ${STOP_MARGIN_MS} ms, and exits 0`, async () => {
      const own = await startNats({ faults: true });
      try {
        const runner = await startRunnerProcess(own.url, { HERALD_SHUTDOWN_GRACE: `${GRACE_MS}ms` });
        runners.push(runner);
        await own.kill();
        const started = Date.now();
        const code = await runner.kill('SIGTERM');
        expect(Date.now() - started).toBeLessThan(GRACE_MS + STOP_MARGIN_MS);
        expect(code, runner.output()).toBe(0);
      } finally {
        await own.cleanup();
      }
    });

    it('a second signal exits at once', async () => {
      const own = await startNats({ faults: true });
      try {
        const runner = await startRunnerProcess(own.url, { HERALD_SHUTDOWN_GRACE: '30s' });
        runners.push(runner);
        await own.kill();
        const exited = new Promise<number | null>((r) => runner.child.once('exit', (code) => r(code)));
        runner.child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 200));
        const started = Date.now();
        runner.child.kill('SIGINT');
        expect(await exited).toBe(1);
        expect(Date.now() - started).toBeLessThan(1_000);
      } finally {
        await own.cleanup();
      }
    });
  });

  describe('herald dev', () => {
    /** Starts `herald dev` in a scratch directory and waits until it prints its URLs. */
    const startDev = async (extra: Record<string, string> = {}) => {
      const port = await freePort();
      const cwd = mkdtempSync(join(tmpdir(), 'herald-dev-'));
      const { HERALD_HOST: _host, ...rest } = env;
      const child = spawn(process.execPath, [CLI, 'dev'], {
        cwd,
        env: { ...process.env, ...rest, HERALD_PORT: String(port), ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stdout += c.toString()));
      await eventually(() => stdout.includes('export HERALD_URL='), 15_000);
      const stop = async () => {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
        rmSync(cwd, { recursive: true, force: true });
      };
      return { port, stdout: () => stdout, stop };
    };

    it('listens on 127.0.0.1 only by default and says how to listen elsewhere; HERALD_HOST does', async () => {
      const local = await startDev();
      try {
        expect(listeningOn(local.port)).toEqual(['127.0.0.1']);
        expect(local.stdout()).toContain(
          'listening on 127.0.0.1 only (HERALD_HOST=0.0.0.0 to accept other machines)',
        );
      } finally {
        await local.stop();
      }
      const everywhere = await startDev({ HERALD_HOST: '0.0.0.0' });
      try {
        expect(listeningOn(everywhere.port)).toEqual(['0.0.0.0']);
        expect(everywhere.stdout()).toContain('other machines can reach the API');
      } finally {
        await everywhere.stop();
      }
    });
  });
});
