import { createHash } from 'node:crypto';
import { startNats, type TestNats } from '@herald/core/testing';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyNotFoundError, ApiKeyStore, keyIdOf } from '../src/store/api-keys.js';

describe('API keys — hashed in HERALD_TEAMS, verified by id, revocable', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).create('HERALD_TEAMS');
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.cleanup();
  });

  it('creates hk_<id>_<secret> keys and stores only their SHA-256 under key.<id>', async () => {
    const store = new ApiKeyStore(kv);
    const { key, info } = await store.create('acme', 'deploy bot');
    expect(key).toMatch(/^hk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(keyIdOf(key)).toBe(info.keyId);
    expect(info).toEqual({
      keyId: key.slice(3, 19),
      teamId: 'acme',
      name: 'deploy bot',
      createdAt: expect.any(String),
      revokedAt: null,
    });
    const stored = (await kv.get(`key.${info.keyId}`))!.string();
    expect(stored).not.toContain(key.slice(20));
    expect(JSON.parse(stored).hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect((await store.create('acme')).key).not.toBe(key);
  });

  it('verifies a key to its team and refuses malformed, unknown and tampered keys', async () => {
    const store = new ApiKeyStore(kv);
    const { key } = await store.create('globex');
    expect(await store.verify(key)).toBe('globex');
    expect(await store.verify(key)).toBe('globex'); // from the cache
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await store.verify(tampered)).toBeNull();
    expect(await store.verify(`hk_ffffffffffffffff_${key.slice(20)}`)).toBeNull();
    expect(await store.verify('Bearer nonsense')).toBeNull();
    expect(await store.verify('')).toBeNull();
  });

  it('a revocation by another store takes effect once the cache time has passed, and at once locally', async () => {
    const server = new ApiKeyStore(kv, { cacheMs: 200 });
    const cli = new ApiKeyStore(kv);
    const { key, info } = await cli.create('acme');
    const t0 = Date.now();
    expect(await server.verify(key, t0)).toBe('acme');
    const revoked = await cli.revoke(key);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await server.verify(key, t0 + 100)).toBe('acme'); // still cached
    expect(await server.verify(key, t0 + 250)).toBeNull();
    expect(await cli.verify(key)).toBeNull();
    expect((await cli.revoke(info.keyId)).revokedAt).toBe(revoked.revokedAt); // idempotent
    await expect(cli.revoke('0000000000000000')).rejects.toBeInstanceOf(ApiKeyNotFoundError);
  });

  it('lists one team’s keys, oldest first, without hashes', async () => {
    const store = new ApiKeyStore(kv);
    const a = await store.create('initech');
    await new Promise((r) => setTimeout(r, 5)); // distinct createdAt: ties sort by key id
    const b = await store.create('initech');
    await store.create('umbrella');
    const list = await store.list('initech');
    expect(list.map((k) => k.keyId)).toEqual([a.info.keyId, b.info.keyId]);
    expect(JSON.stringify(list)).not.toContain('hash');
  });
});
