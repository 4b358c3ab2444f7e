import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, requireBuiltCli } from './support/cli.js';
import { eventually } from './support/herald.js';

// `herald dev` on a terminal (util-linux `script` gives it a pseudo-terminal): pretty log
// lines, all of start-up's before the banner, and the banner set apart.
describe('herald dev on a terminal — pretty logs, the banner last and standing out', () => {
  let nats: TestNats;
  let child: ChildProcess | null = null;
  let cwd = '';

  beforeAll(async () => {
    requireBuiltCli();
    nats = await startNats();
    cwd = mkdtempSync(join(tmpdir(), 'herald-dev-tty-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await nats?.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints every start-up line before the banner, none as JSON, and the banner between two rules', async () => {
    const port = await freePort();
    // `exec` so the SIGTERM of afterAll reaches herald through script's shell.
    child = spawn('script', ['-qfec', `exec ${process.execPath} ${CLI} dev`, '/dev/null'], {
      cwd,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        HERALD_PORT: String(port),
        HERALD_PARTITIONS: '16',
        LOG_LEVEL: 'info',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes('export HERALD_URL='), 20_000);
    // Anything start-up still had to say would come now.
    await new Promise((r) => setTimeout(r, 1_500));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
    const banner = plain.indexOf('Herald is running:');
    expect(banner, plain).toBeGreaterThan(0);
    const before = plain.slice(0, banner);
    const after = plain.slice(banner);
    expect(before.match(/took a partition/g)?.length).toBe(16);
    expect(before).toMatch(/INFO.*took a partition/);
    expect(plain).not.toContain('{"level"');
    expect(after).not.toContain('took a partition');
    expect(after).not.toMatch(/INFO|WARN/);
    // Set apart: a rule above and below, the headline in bold.
    const rules = plain.split('\n').filter((l) => /^━{20,}$/.test(l.trim()));
    expect(rules).toHaveLength(2);
    expect(out).toContain('\x1b[1mHerald is running:');
    expect(after.trimEnd().split('\n').at(-1)!.trim()).toMatch(/^━+$/);
  });
});
