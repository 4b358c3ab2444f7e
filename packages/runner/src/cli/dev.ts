import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { runUntilSignalled } from '../run.js';
import { StartupError, shownNatsUrl } from '../startup-error.js';
import { ApiKeyStore } from '../store/api-keys.js';
import { noExtra, parse, tokenArg } from './args.js';

const DEV_DIR = '.herald';
/** The team of the printed API key; the examples in the README use it too. */
const DEV_TEAM = 'acme';

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
  throw new StartupError(`nats-server did not start on ${shownNatsUrl(url)}`);
}

/** Where `herald dev` listens unless HERALD_HOST says otherwise: this machine only. */
const DEV_HOST = '127.0.0.1';
/** What `herald dev` lets deliveries reach besides the internet: this machine. */
const DEV_EGRESS_ALLOW_CIDRS = '127.0.0.0/8,::1/128';

export const DEV_USAGE = `usage: herald dev [--team <id>]

Runs Herald for local development: uses NATS_URL if it answers, else starts a local
nats-server (store in ./.herald/nats); prints the URLs and an API key for --team
(default ${DEV_TEAM}, kept in ./.herald/dev-key-<team>).

Unlike \`herald start\`, it listens on ${DEV_HOST} only (HERALD_HOST=0.0.0.0 herald dev to
listen on every interface) and lets deliveries reach this machine
(HERALD_EGRESS_ALLOW_CIDRS=${DEV_EGRESS_ALLOW_CIDRS}). Every other variable works as for start.
`;

/**
 * A key for the dev team, ready to paste. It is kept in ./.herald/dev-key (local
 * development only) and reused while it verifies, so restarts do not pile up keys.
 */
async function devKey(keys: ApiKeyStore, team: string): Promise<string> {
  const file = `${DEV_DIR}/dev-key-${team}`;
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if ((await keys.verify(saved)) === team) return saved;
  }
  const { key } = await keys.create(team, 'herald dev');
  mkdirSync(DEV_DIR, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** `herald dev`: NATS_URL if it answers, else a local nats-server; then the service, its URLs and an API key. */
export async function startDev(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { team: { type: 'string' } }, DEV_USAGE);
  noExtra(positionals, DEV_USAGE);
  const team = values.team === undefined ? DEV_TEAM : tokenArg(values.team, '--team', DEV_USAGE);
  // Loopback egress is allowed, so the API must not be reachable from elsewhere unless asked.
  const env = { HERALD_HOST: DEV_HOST, HERALD_EGRESS_ALLOW_CIDRS: DEV_EGRESS_ALLOW_CIDRS, ...process.env };
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  let stopNats: (() => void) | null = null;
  if (!(await answers(config.natsUrl))) {
    logger.info(
      { url: shownNatsUrl(config.natsUrl) },
      'no NATS answers: starting a local nats-server (store in ./.herald/nats)',
    );
    stopNats = await startLocalNats(config.natsUrl);
  }
  process.on('exit', () => stopNats?.());
  const running = await runUntilSignalled(config, logger);
  const key = await devKey(running.resolve(ApiKeyStore), team);
  const onlyHere = config.host === DEV_HOST || config.host === '::1' || config.host === 'localhost';
  // Last, after every start-up line (the logger writes synchronously on a terminal), and
  // set apart there: a rule and bold; plain text otherwise.
  const tty = process.stdout.isTTY === true;
  const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[22m` : s);
  const rule = tty ? [`\x1b[32m${'━'.repeat(72)}\x1b[39m`] : [];
  process.stdout.write(
    [
      '',
      ...rule,
      bold(`Herald is running: ${running.url}`),
      onlyHere
        ? `  listening on ${config.host} only (HERALD_HOST=0.0.0.0 to accept other machines)`
        : `  listening on ${config.host}: other machines can reach the API, and deliveries may reach this machine (HERALD_EGRESS_ALLOW_CIDRS=${config.egressAllowCidrs.join(',') || 'none'})`,
      // Printed once a dashboard is served.
      ...(running.http.hasRoute({ method: 'GET', url: '/' }) ? [`  dashboard  ${running.url}/`] : []),
      `  API        ${running.url}/v1   (OpenAPI: ${running.url}/openapi.json)`,
      `  metrics    ${running.url}/metrics`,
      '',
      `API key for team ${team} (kept in ${DEV_DIR}/dev-key-${team}); paste:`,
      `  export HERALD_URL=${running.url} HERALD_KEY=${key}`,
      '  curl -s $HERALD_URL/v1/integrations -H "Authorization: Bearer $HERALD_KEY"',
      ...rule,
      '',
    ].join('\n'),
  );
}
