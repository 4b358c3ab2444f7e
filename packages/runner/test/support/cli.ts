import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where `pnpm herald` runs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The built CLI, as the `herald` bin runs it. */
export const CLI = resolve(REPO_ROOT, 'packages/runner/dist/cli.js');

/** Fails early with the fix when the CLI has not been built (the root `pnpm test` builds first). */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b\` (or \`pnpm build\`) first`);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, whatever its exit code. */
export function run(
  file: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
        timeout: options.timeoutMs ?? 20_000,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** `herald <args>` as a child process: `node packages/runner/dist/cli.js …`. */
export function herald(args: string[], env: Record<string, string>): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { env });
}
