import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { REPO_ROOT, requireBuiltCli, run } from './support/cli.js';
import { eventually, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const README_RECEIVER = 'https://ledger.example.com/hook';

/** The root README's ordered-delivery example: the first sh block of its section. */
function example(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Ordered delivery (FIFO)'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no example under "### Ordered delivery (FIFO)"');
  return block[1]!;
}

describe('README ordered delivery — the example, run as written', () => {
  let nats: TestNats;
  let herald: RunningHerald;
  let sink: Sink;
  let key: string;

  beforeAll(async () => {
    requireBuiltCli();
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
    // Answers late: a receiver that two concurrent requests would reach out of order.
    sink.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 50);
    });
    key = (await herald.resolve(ApiKeyStore).create('acme')).key;
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('creates an ordered integration and its receiver gets the three invoices in order', async () => {
    const steps = example();
    expect(steps).toContain(README_RECEIVER);
    const script = [
      'set -euo pipefail',
      'command -v pnpm >/dev/null || pnpm() { shift; node packages/runner/dist/cli.js "$@"; }',
      steps.replaceAll(README_RECEIVER, sink.url),
    ].join('\n');
    const res = await run('bash', ['-c', script], {
      env: { NATS_URL: nats.url, HERALD: herald.url, KEY: key, npm_config_update_notifier: 'false' },
      timeoutMs: 30_000,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('"ordered":true');
    await eventually(() => sink.requests.length >= 3, 10_000);
    expect(sink.requests.map((r) => r.headers['x-herald-notification-integration-event-id'])).toEqual([
      'evt_inv_1',
      'evt_inv_2',
      'evt_inv_3',
    ]);
  });
});
