import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { runUntilSignalled } from '../run.js';

const DEV_DIR = '.herald';

async function answers(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 1_000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** Starts a nats-server child with JetStream, its store under ./.herald, and waits until it answers. */
async function startLocalNats(url: string): Promise<() => void> {
  const port = new URL(url.replace(/^nats:/, 'http:')).port || '4222';
  mkdirSync(`${DEV_DIR}/nats`, { recursive: true });
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', port, '-js', '-sd', `${DEV_DIR}/nats`], {
    stdio: 'ignore',
  });
  child.on('error', () => {
    process.stderr.write(
      'herald dev: nats-server is not installed (Debian: apt-get install nats-server; macOS: brew install nats-server)\n',
    );
    process.exit(1);
  });
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) return () => child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`nats-server did not start on ${url}`);
}

/** `herald dev`: NATS_URL if it answers, else a local nats-server; then the service, with the dashboard URL. */
export async function startDev(_args: string[]): Promise<void> {
  const env = { HERALD_EGRESS_ALLOW_CIDRS: '127.0.0.0/8,::1/128', ...process.env };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  let stopNats: (() => void) | null = null;
  if (!(await answers(config.natsUrl))) {
    logger.info(
      { url: config.natsUrl },
      'no NATS answers: starting a local nats-server (store in ./.herald/nats)',
    );
    stopNats = await startLocalNats(config.natsUrl);
  }
  process.on('exit', () => stopNats?.());
  const running = await runUntilSignalled(config, logger);
  process.stdout.write(`\nHerald is running: ${running.url}\n`);
}
