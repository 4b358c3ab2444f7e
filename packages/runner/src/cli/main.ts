import { ConfigError } from '../config/config.js';
import { noExtra, parse, UsageError } from './args.js';

// Commands load lazily: `herald keys …` need not import the HTTP server and workers.
const USAGE = `usage: herald <command> [options]

commands:
  start                       run the service (configured by environment variables, see README)
  dev [--team <id>]           like start on 127.0.0.1, but first starts a local nats-server (store in ./.herald)
                              if NATS_URL does not answer, and prints an API key for the team (default acme)
  keys create|revoke|list     team API keys (herald keys --help)
  publish <type> …            publish one event (herald publish --help)
  integrations list           a team's integrations (herald integrations --help)
  help [<command>]            this text, or a command's

Every command answers --help. keys, publish and integrations talk to NATS_URL directly;
results go to stdout, messages to stderr.
`;

const START_USAGE = `usage: herald start

Runs the service until SIGTERM or SIGINT (then stops within HERALD_SHUTDOWN_GRACE + 5 s;
a second signal exits at once). It takes no options: it is configured by environment
variables (NATS_URL, HERALD_PORT, HERALD_HOST, HERALD_PROVIDERS, HERALD_EGRESS_ALLOW_CIDRS, …;
every one is listed in the README). A bad value, an unreachable NATS or a taken port
stops start-up with one line saying what to change, and exit 1.
`;

const HELP_FLAGS = new Set(['--help', '-h']);
type Command = { usage: string; run: (argv: string[]) => Promise<number | undefined> };
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => ({ usage: START_USAGE, run: startCommand }),
  dev: async () => {
    const m = await import('./dev.js');
    return {
      usage: m.DEV_USAGE,
      run: async (argv) => {
        await m.startDev(argv);
        return undefined;
      },
    };
  },
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

/** `herald start`: no options, no arguments; the environment configures it. */
async function startCommand(argv: string[]): Promise<undefined> {
  noExtra(parse(argv, {}, START_USAGE).positionals, START_USAGE);
  const [{ loadConfig }, { createLogger }, { runUntilSignalled }] = await Promise.all([
    import('../config/config.js'),
    import('../logger.js'),
    import('../run.js'),
  ]);
  const config = loadConfig();
  await runUntilSignalled(config, createLogger(config.logLevel));
  return undefined;
}

/** True when the command line asks for help anywhere (before `--`, which ends options). */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => HELP_FLAGS.has(a));
}

/** Entry point of the `herald` CLI; resolves to an exit code, or undefined while a service runs. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new UsageError('missing command', USAGE);
    if (command === 'help' || HELP_FLAGS.has(command)) {
      const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
      if (rest[0] !== undefined && !topic)
        throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`, USAGE);
      process.stdout.write(topic ? (await topic()).usage : USAGE);
      return 0;
    }
    const load = COMMANDS[command];
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(command)}`, USAGE);
    const sub = await load();
    // Help never starts anything, wherever the flag is.
    if (asksForHelp(rest)) {
      process.stdout.write(sub.usage);
      return 0;
    }
    return await sub.run(rest);
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
