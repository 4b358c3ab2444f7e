import { createServer } from 'node:http';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const USAGE = `usage: herald <command>

commands:
  start   run the service (NATS_URL, HERALD_PORT)
  dev     start a local nats-server if none answers, then the service
`;

/** Entry point of the `herald` CLI; resolves to an exit code, or undefined while a service runs. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command] = argv;
  switch (command) {
    case 'start':
    case 'dev':
      await start();
      return undefined;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`herald: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

async function start(): Promise<void> {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const port = Number(process.env.HERALD_PORT ?? 8080);
  const nc = await connect({ servers: url, name: 'herald-runner' });
  const jsm = await jetstreamManager(nc);
  await jsm.getAccountInfo();
  const server = createServer((req, res) => {
    const ready = !nc.isClosed();
    res.writeHead(req.url === '/readyz' && !ready ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: ready }));
  });
  server.listen(port, () =>
    process.stdout.write(`herald: ready on http://127.0.0.1:${port} (NATS ${nc.info?.version})\n`),
  );
  const stop = async () => {
    server.close();
    await nc.drain();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
