import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A NATS server for a test; `kill` and `restart` exist for fault tests. */
export interface TestNats {
  url: string;
  port: number;
  /** Where a spawned server keeps its JetStream store (null for NATS_URL or a container). */
  storeDir: string | null;
  /** Graceful stop (SIGTERM); the store is kept until `cleanup()`. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store. */
  restart(): Promise<void>;
  /** Stops the server if running and removes its store. */
  cleanup(): Promise<void>;
}

export interface StartNatsOptions {
  /** Fault tests need a private server; then `NATS_URL` is not used. */
  faults?: boolean;
  /** Extra nats-server arguments. */
  args?: string[];
}

const INSTALL_HINT =
  'no NATS server for tests: install nats-server (Debian: apt-get install nats-server; macOS: brew install nats-server) or set NATS_URL';
const READY_TIMEOUT_MS = 10_000;

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function hasBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export function spawnServer(port: number, storeDir: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => reject(new Error(`nats-server not ready in ${READY_TIMEOUT_MS} ms: ${log}`)),
      READY_TIMEOUT_MS,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      if (log.length < 20_000) log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${log}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startSpawned(args: string[]): Promise<TestNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'herald-nats-'));
  let child: ChildProcess | null = await spawnServer(port, storeDir, args);
  const halt = async (signal: NodeJS.Signals) => {
    if (!child) return;
    const c = child;
    child = null;
    c.kill(signal);
    await exited(c);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      child = await spawnServer(port, storeDir, args);
    },
    cleanup: async () => {
      await halt('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function startContainer(): Promise<TestNats | null> {
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch {
    return null;
  }
  try {
    const container = await new testcontainers.GenericContainer('nats:2.10')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(testcontainers.Wait.forLogMessage('Server is ready'))
      .start();
    const port = container.getMappedPort(4222);
    const unsupported = async () => {
      throw new Error('kill/restart need a spawned nats-server');
    };
    return {
      url: `nats://${container.getHost()}:${port}`,
      port,
      storeDir: null,
      stop: async () => {
        await container.stop();
      },
      kill: unsupported,
      restart: unsupported,
      cleanup: async () => {
        await container.stop().catch(() => undefined);
      },
    };
  } catch {
    // "Could not find a working container runtime strategy" answers in a few ms.
    return null;
  }
}

/**
 * Starts a NATS server with JetStream for one test file. Order of preference:
 * `NATS_URL` (shared, so no kill/restart; skipped when `faults` is asked for), a private
 * `nats-server` on a free port with its own store, then a testcontainers container.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<TestNats> {
  const shared = process.env.NATS_URL;
  if (shared && !options.faults) {
    const unsupported = async () => {
      throw new Error('NATS_URL is shared: kill/restart need a private server (startNats({ faults: true }))');
    };
    return {
      url: shared,
      port: Number(new URL(shared.replace(/^nats:/, 'http:')).port || 4222),
      storeDir: null,
      stop: async () => undefined,
      kill: unsupported,
      restart: unsupported,
      cleanup: async () => undefined,
    };
  }
  if (hasBinary('nats-server')) return startSpawned(options.args ?? []);
  const container = options.faults ? null : await startContainer();
  if (container) return container;
  throw new Error(INSTALL_HINT);
}
