import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHerald } from '../src/run.js';
import { apiClient } from './support/api-client.js';
import { REPO_ROOT, requireBuiltCli, run } from './support/cli.js';
import { eventually, type LogCapture, startHerald } from './support/herald.js';
import { type Sink, startSink } from './support/sink.js';

const README_HERALD = 'http://127.0.0.1:8080';
const README_RECEIVER = 'http://127.0.0.1:9000/hook';

/** The README's walk-through, as written between its markers. */
function walkthrough(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no walk-through between <!-- walkthrough:start/end --> markers');
  return block[1]!;
}

describe('README walk-through — keys, create, publish, deliveries, events log, exactly as documented', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let sink: Sink;

  beforeAll(async () => {
    requireBuiltCli();
    nats = await startNats();
    herald = await startHerald(nats.url);
    sink = await startSink();
  });
  afterAll(async () => {
    await herald?.stop();
    await sink?.close();
    await nats?.cleanup();
  });

  it('runs the block with bash against a real Herald and receiver, and every step does what it says', async () => {
    const steps = walkthrough();
    expect(steps).toContain(README_HERALD);
    expect(steps).toContain(README_RECEIVER);
    const script = [
      'set -euo pipefail',
      // Without pnpm on the PATH, `pnpm herald` is what the root script runs.
      'command -v pnpm >/dev/null || pnpm() { shift; node packages/runner/dist/cli.js "$@"; }',
      steps.replaceAll(README_HERALD, herald.url).replaceAll(README_RECEIVER, sink.url),
      'echo; echo "WALKTHROUGH_ID=$ID WALKTHROUGH_KEY=$KEY"',
    ].join('\n');
    const res = await run('bash', ['-c', script], {
      env: { NATS_URL: nats.url, npm_config_update_notifier: 'false' },
      timeoutMs: 30_000,
    });
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.split('\n');

    // Step 2: the create answer, with the generated token and the confirmation.
    const created = JSON.parse(lines.find((l) => l.startsWith('{"id":"int_'))!);
    expect(created).toMatchObject({
      name: 'CI hook',
      type: 'webhook',
      events: ['build:*'],
      state: 'healthy',
    });
    expect(created.confirmation).toMatchObject({ ok: true, status: 200 });
    expect(created.generatedSecret).toEqual(expect.any(String));
    const [, id, key] = /WALKTHROUGH_ID=(\S+) WALKTHROUGH_KEY=(\S+)/.exec(res.stdout)!;
    expect(id).toBe(created.id);
    expect(key).toMatch(/^hk_/);

    // Step 3: the CLI printed the event id alone on its line.
    const eventId = lines.find((l) => /^evt_[0-9A-Z]{26}$/.test(l));
    expect(eventId).toBeDefined();

    // Step 4: the listing the README ends with: the confirmation and (if it was
    // quick enough; else ask again) the build:start delivery.
    const listing = JSON.parse(lines.find((l) => l.startsWith('{"items":'))!);
    expect(listing.nextCursor).toBeNull();
    expect(listing.items).toContainEqual(
      expect.objectContaining({
        eventType: 'integration:connected',
        kind: 'confirmation',
        status: 'succeeded',
      }),
    );
    const api = apiClient(herald.url, key!);
    const delivery = listing.items.some(
      (d: { eventId: string; status: string }) => d.eventId === eventId && d.status === 'succeeded',
    )
      ? listing.items.find((d: { eventId: string }) => d.eventId === eventId)
      : await eventually(async () =>
          (await api.get(`/v1/integrations/${id}/deliveries`)).body.items.find(
            (d: { eventId: string; status: string }) => d.eventId === eventId && d.status === 'succeeded',
          ),
        );
    expect(delivery).toMatchObject({
      eventType: 'build:start',
      kind: 'event',
      status: 'succeeded',
      attemptCount: 1,
    });

    const received = await sink.waitFor(2);
    expect(received[0]!.headers['x-herald-notification-integration-token']).toBe(created.generatedSecret);
    expect(JSON.parse(received[1]!.body)).toMatchObject({
      event: 'build:start',
      data: { build: { id: 'b-1312' } },
    });
    expect(received[1]!.headers['x-herald-notification-integration-event-id']).toBe(eventId);
    // Step 5: the events log's newest row is the event, delivered to the integration.
    const eventsLog = JSON.parse(lines.filter((l) => l.startsWith('{"items":')).at(-1)!);
    const row =
      eventsLog.items[0]?.eventId === eventId
        ? eventsLog.items[0]
        : await eventually(async () =>
            (await api.get('/v1/events')).body.items.find((e: { eventId: string }) => e.eventId === eventId),
          );
    expect(row).toMatchObject({ type: 'build:start', projectId: 'personal-blog', outcome: 'delivered' });
    expect(row.deliveries).toEqual([
      expect.objectContaining({ integrationId: id, integrationName: 'CI hook', deliveryId: delivery.id }),
    ]);

    // Neither the key nor the generated token reached the service's logs.
    expect(herald.logs.text).not.toContain(key!);
    expect(herald.logs.text).not.toContain(created.generatedSecret);
  });
});
