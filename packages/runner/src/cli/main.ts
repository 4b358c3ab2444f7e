import { ConfigError } from '../config/config.js';
import { UsageError } from './args.js';

// Commands load lazily: `herald keys …` need not import the HTTP server and workers.
const USAGE = `usage: herald <command> [options]

commands:
  start                       run the service (configured by environment variables, see README)
  dev [--team <id>]           like start, but first starts a local nats-server (store in ./.herald) if NATS_URL
                              does not answer, and prints an API key for the team (default acme)
  keys create|revoke|list     team API keys (herald keys --help)
  publish <type> …            publish one event (herald publish --help)
  integrations list           a team's integrations (herald integrations --help)
  help                        this text

keys, publish and integrations talk to NATS_URL directly; results go to stdout, messages to stderr.
`;

const HELP_FLAGS = new Set(['--help', '-h', 'help']);
type Command = { usage: string; run: (argv: string[]) => Promise<number> };
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  keys: async () => {
    const m = await import('./keys.js');
    return { usage: m.KEYS_USAGE, run: m.keysCommand };
  },
  publish: async () => {
    const m = await import('./publish.js');
    return { usage: m.PUBLISH_USAGE, run: m.publishCommand };
  },
  integrations: async () => {
    const m = await import('./integrations.js');
    return { usage: m.INTEGRATIONS_USAGE, run: m.integrationsCommand };
  },
};

/** Entry point of the `herald` CLI; resolves to an exit code, or undefined while a service runs. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const [{ loadConfig }, { createLogger }, { runUntilSignalled }] = await Promise.all([
          import('../config/config.js'),
          import('../logger.js'),
          import('../run.js'),
        ]);
        const config = loadConfig();
        await runUntilSignalled(config, createLogger(config.logLevel));
        return undefined;
      }
      case 'dev':
        await (await import('./dev.js')).startDev(rest);
        return undefined;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return 0;
      default: {
        const load = SUBCOMMANDS[command];
        if (!load) throw new UsageError(`unknown command ${JSON.stringify(command)}`, USAGE);
        const sub = await load();
        if (HELP_FLAGS.has(rest[0] ?? '') || rest.includes('--help')) {
          process.stdout.write(sub.usage);
          return 0;
        }
        return await sub.run(rest);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`herald${command ? ` ${command}` : ''}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
