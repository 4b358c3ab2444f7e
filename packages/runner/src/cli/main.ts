import { ConfigError, loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { runUntilSignalled } from '../run.js';
import { startDev } from './dev.js';

const USAGE = `usage: herald <command> [options]

commands:
  start        run the service (configured by environment variables, see README)
  dev          like start, but first starts a local nats-server (store in ./.herald) if NATS_URL does not answer
  help         this text
`;

/** Entry point of the `herald` CLI; resolves to an exit code, or undefined while a service runs. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const config = loadConfig();
        await runUntilSignalled(config, createLogger(config.logLevel));
        return undefined;
      }
      case 'dev':
        await startDev(rest);
        return undefined;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`herald: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
