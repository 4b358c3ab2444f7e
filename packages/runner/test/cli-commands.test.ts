import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_STREAM, exampleEvent, type HeraldEvent } from '@herald/core';
import { startNats, type TestNats } from '@herald/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { herald, requireBuiltCli } from './support/cli.js';
import { integration } from './support/herald.js';

const KEY = /^hk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

describe('herald CLI — keys, publish, integrations (built CLI, child processes)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let env: Record<string, string>;

  const lastEvent = async (subject: string): Promise<HeraldEvent | undefined> => {
    const jsm = await jetstreamManager(nc);
    const msg = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject }).catch(() => null);
    return msg ? (msg.json() as HeraldEvent) : undefined;
  };
  const eventCount = async () =>
    (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).state.messages;
  const teamsBucket = async () => {
    const { Kvm } = await import('@nats-io/kv');
    return new Kvm(nc).open('HERALD_TEAMS');
  };

  beforeAll(async () => {
    requireBuiltCli();
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    env = { NATS_URL: nats.url };
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.cleanup();
  });

  it('keys create prints the key alone on stdout (provisioning NATS on first use); it verifies for its team', async () => {
    const res = await herald(['keys', 'create', '--team', 'acme', '--name', 'ci'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^hk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const key = res.stdout.trim();
    expect(res.stderr).toContain(key.slice(3, 19));
    expect(res.stderr).not.toContain(key);
    const store = new ApiKeyStore(await teamsBucket());
    expect(await store.verify(key)).toBe('acme');
  });

  it('keys list shows ids and dates, never keys; keys revoke makes a key fail verification', async () => {
    const created = (await herald(['keys', 'create', '--team', 'globex'], env)).stdout.trim();
    expect(created).toMatch(KEY);
    const keyId = created.slice(3, 19);
    const list = await herald(['keys', 'list', '--team', 'globex', '--json'], env);
    expect(list.code).toBe(0);
    const keys = JSON.parse(list.stdout);
    expect(keys).toEqual([
      { keyId, teamId: 'globex', name: null, createdAt: expect.any(String), revokedAt: null },
    ]);
    expect(list.stdout).not.toContain(created);

    const revoked = await herald(['keys', 'revoke', keyId], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${keyId}`);
    expect(await new ApiKeyStore(await teamsBucket()).verify(created)).toBeNull();
    const after = JSON.parse((await herald(['keys', 'list', '--team', 'globex', '--json'], env)).stdout);
    expect(after[0].revokedAt).toEqual(expect.any(String));
    const unknown = await herald(['keys', 'revoke', '0123456789abcdef'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no API key');
  });

  it('publish validates, publishes with publishEvent and prints the event id alone', async () => {
    const data = exampleEvent('build:start').data;
    const res = await herald(
      [
        'publish',
        'build:start',
        '--team',
        'acme',
        '--project',
        'personal-blog',
        '--data',
        JSON.stringify(data),
      ],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^evt_[0-9A-Z]{26}\n$/);
    const id = res.stdout.trim();
    const stored = await lastEvent('herald.events.acme.personal-blog.build.start');
    expect(stored).toMatchObject({
      id,
      event: 'build:start',
      teamId: 'acme',
      projectId: 'personal-blog',
      data,
    });

    const file = join(tmpdir(), `herald-cli-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(exampleEvent('backup:success').data));
    const fromFile = await herald(
      [
        'publish',
        'backup:success',
        '--team',
        'acme',
        '--project',
        'db',
        '--data',
        `@${file}`,
        '--id',
        'evt_cli_file',
      ],
      env,
    );
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toBe('evt_cli_file\n');
    expect((await lastEvent('herald.events.acme.db.backup.success'))?.id).toBe('evt_cli_file');
  });

  it('publish refuses invalid --data: prints the field error, exits 2, publishes nothing', async () => {
    const before = await eventCount();
    const bad = structuredClone(exampleEvent('build:start').data);
    bad.build.sha = 'not-a-sha';
    const res = await herald(
      ['publish', 'build:start', '--team', 'acme', '--project', 'p', '--data', JSON.stringify(bad)],
      env,
    );
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('data.build.sha: must be a hex commit sha');
    const notJson = await herald(
      ['publish', 'build:start', '--team', 'acme', '--project', 'p', '--data', '{oops'],
      env,
    );
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--data is not JSON');
    expect(await eventCount()).toBe(before);
  });

  it.each([
    [['keys', 'create'], 'missing --team'],
    [['keys', 'create', '--team', 'a.b'], '--team must match'],
    [['keys', 'create', '--team', 'acme', '--colour', 'red'], "Unknown option '--colour'"],
    [['keys', 'create', '--team', 'acme', '--name', 'ci\nbot'], '--name must not contain control characters'],
    [['keys', 'rotate'], 'unknown keys command "rotate"'],
    [['publish', 'build:exploded', '--team', 'acme', '--project', 'p', '--example'], 'unknown event type'],
    [['publish', 'build:start', '--team', 'acme', '--example'], 'missing --project'],
    [['publish', 'build:start', '--team', 'acme', '--project', 'p'], 'either --data'],
    [['integrations', 'list'], 'missing --team'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j is a usage error: message, usage, exit 2', async (args, message) => {
    const res = await herald(args, env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr).toContain('usage:');
    expect(res.stdout).toBe('');
  });

  it('integrations list shows a team’s integrations with secrets masked', async () => {
    const { Kvm } = await import('@nats-io/kv');
    const store = new IntegrationStore(await new Kvm(nc).open('HERALD_INTEGRATIONS'));
    const hook = integration({
      type: 'webhook',
      name: 'CLI hook',
      config: { url: 'https://example.com/hook', secret: 'cli-secret-token-0123456789' },
      events: ['build:*'],
    });
    await store.create(hook);
    await store.create(
      integration({ type: 'webhook', teamId: 'globex', config: { url: 'https://example.com/g' } }),
    );
    const json = await herald(['integrations', 'list', '--team', 'acme', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows).toEqual([
      expect.objectContaining({
        id: hook.id,
        name: 'CLI hook',
        type: 'webhook',
        enabled: true,
        state: 'healthy',
      }),
    ]);
    expect(rows[0].config.secret).toBe('…6789');
    expect(json.stdout).not.toContain('cli-secret-token-0123456789');
    const table = await herald(['integrations', 'list', '--team', 'acme'], env);
    expect(table.stdout).toContain(hook.id);
  });
});
