import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@herald/core/testing';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

/** The built runner (`herald start`) as a child process, for crash tests. */
export interface RunnerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node dist/cli.js start` and waits for /readyz. Needs `tsc -b` first (pnpm test builds). */
export async function startRunnerProcess(
  natsUrl: string,
  env: Record<string, string> = {},
): Promise<RunnerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: {
      ...process.env,
      NATS_URL: natsUrl,
      HERALD_PORT: String(port),
      HERALD_HOST: '127.0.0.1',
      HERALD_EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
      HERALD_PARTITIONS: '4',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`runner exited with ${child.exitCode}: ${output}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`runner not ready in 20 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolveExit) => {
        if (child.exitCode !== null) return resolveExit(child.exitCode);
        child.once('exit', (code) => resolveExit(code));
        child.kill(signal);
      }),
  };
}
