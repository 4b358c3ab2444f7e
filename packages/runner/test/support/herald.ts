import { Writable } from 'node:stream';
import { type Integration, newId } from '@herald/core';
import pino from 'pino';
import { type HeraldConfig, loadConfig } from '../../src/config/config.js';
import { type RunningHerald, runHerald } from '../../src/run.js';
import { Tracing } from '../../src/tracing.js';

/** Log lines a test can search (e.g. for leaked secrets). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

/** A test's configuration: its NATS, an ephemeral port, loopback egress allowed. */
export function testConfig(natsUrl: string, env: Record<string, string> = {}): HeraldConfig {
  return loadConfig({
    NATS_URL: natsUrl,
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
    HERALD_PARTITIONS: '4',
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** Runs Herald in this process against `natsUrl`, logging into a capture. */
export async function startHerald(
  natsUrl: string,
  env: Record<string, string> = {},
  tracing: Tracing = Tracing.off,
): Promise<RunningHerald & { logs: LogCapture }> {
  const logs = new LogCapture();
  const config = testConfig(natsUrl, env);
  const running = await runHerald(config, pino({ level: config.logLevel }, logs), tracing);
  return Object.assign(running, { logs });
}

/** An integration value with sensible defaults. */
export function integration(patch: Partial<Integration> & Pick<Integration, 'type' | 'config'>): Integration {
  return {
    id: newId('int'),
    teamId: 'acme',
    name: `Test ${patch.type}`,
    events: ['*'],
    projects: null,
    enabled: true,
    rateLimitPerSecond: null,
    ordered: false,
    orderedFrom: null,
    orderedUntil: null,
    createdAt: new Date().toISOString(),
    ...patch,
  };
}

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
