import { startNats, type TestNats } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import type { RunningHerald } from '../src/run.js';
import { ApiKeyStore } from '../src/store/api-keys.js';
import { IntegrationStore } from '../src/store/integrations.js';
import { PortalLinks, portalKeyFrom, signPortalToken } from '../src/store/portal-links.js';
import { TOKENS } from '../src/tokens.js';
import { type ApiClient, apiClient } from './support/api-client.js';
import { eventually, integration, type LogCapture, startHerald } from './support/herald.js';

const SECRET = 'portal-secret-for-tests-0123456789abcdef';
const FRAME_ANCESTORS = "'self' https://app.example.com";

describe('portal links — a signed, scoped, expiring, revocable dashboard link', () => {
  let nats: TestNats;
  let herald: RunningHerald & { logs: LogCapture };
  let other: RunningHerald & { logs: LogCapture };
  let acme: ApiClient;
  let globex: ApiClient;
  const ids = { a: 'int_portal_a', b: 'int_portal_b', g: 'int_portal_globex' };

  beforeAll(async () => {
    nats = await startNats();
    const env = { HERALD_PORTAL_SECRET: SECRET, HERALD_FRAME_ANCESTORS: FRAME_ANCESTORS };
    herald = await startHerald(nats.url, env);
    // A second runner on the same NATS: links minted on one work, and are revoked, on both.
    other = await startHerald(nats.url, env);
    const keys = herald.resolve(ApiKeyStore);
    acme = apiClient(herald.url, (await keys.create('acme')).key);
    globex = apiClient(herald.url, (await keys.create('globex')).key);
    const store = herald.resolve(IntegrationStore);
    const hook = { url: 'http://127.0.0.1:9/hook' };
    await store.create(
      integration({ id: ids.a, teamId: 'acme', name: 'Portal A', type: 'webhook', config: hook }),
    );
    await store.create(
      integration({ id: ids.b, teamId: 'acme', name: 'Portal B', type: 'webhook', config: hook }),
    );
    await store.create(integration({ id: ids.g, teamId: 'globex', type: 'webhook', config: hook }));
    // Both runners' stores see all three before the tests read through either.
    await eventually(() => other.resolve(IntegrationStore).get('acme', ids.b) !== undefined);
  });
  afterAll(async () => {
    await other?.stop();
    await herald?.stop();
    await nats?.cleanup();
  });

  const mint = async (body: Record<string, unknown> = {}) => {
    const res = await acme.post('/v1/portal-links', body);
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; token: string; url: string; expiresAt: string; readOnly: boolean };
  };

  it('mints a link whose URL opens the dashboard with the token in the fragment; reads work with it', async () => {
    const before = Date.now();
    const link = await mint();
    expect(link.id).toMatch(/^pl_[0-9a-f]{24}$/);
    expect(link.token).toMatch(/^hp_/);
    expect(link.url).toBe(`${herald.url}/#portal=${link.token}`);
    const ttl = Date.parse(link.expiresAt) - before;
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThan(3_610_000);
    const portal = apiClient(herald.url, link.token);
    const list = await portal.get('/v1/integrations');
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id).sort()).toEqual([ids.a, ids.b]);
    // The other runner accepts it too: the secret and the record are shared.
    expect((await apiClient(other.url, link.token).get(`/v1/integrations/${ids.b}`)).status).toBe(200);
  });

  it('refuses past its scope: another integration or another team is 404, as with an API key', async () => {
    const link = await mint({ integrationId: ids.a });
    const portal = apiClient(herald.url, link.token);
    const list = await portal.get('/v1/integrations');
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([ids.a]);
    expect((await portal.get(`/v1/integrations/${ids.a}/deliveries`)).status).toBe(200);
    for (const path of [`/v1/integrations/${ids.b}`, `/v1/integrations/${ids.b}/deliveries`]) {
      const res = await portal.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const globexRes = await portal.get(`/v1/integrations/${ids.g}`);
    const asKey = await acme.get(`/v1/integrations/${ids.g}`);
    expect([globexRes.status, globexRes.body.error.code]).toEqual([asKey.status, asKey.body.error.code]);
    expect(globexRes.status).toBe(404);
    // A team-wide write is out of an integration's scope.
    const create = await portal.post('/v1/integrations', {
      name: 'x',
      type: 'webhook',
      config: { url: 'http://x' },
    });
    expect([create.status, create.body.error.code]).toEqual([403, 'out_of_scope']);
    // So is the events log: it shows every integration's deliveries and skips.
    const events = await portal.get('/v1/events');
    expect([events.status, events.body.error.code]).toEqual([403, 'out_of_scope']);
    const teamLink = apiClient(herald.url, (await mint({ readOnly: true })).token);
    expect((await teamLink.get('/v1/events')).status).toBe(200);
  });

  it('does not mint for another team’s integration (404 naming it)', async () => {
    const res = await acme.post('/v1/portal-links', { integrationId: ids.g });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain(ids.g);
  });

  it('read-only refuses every write with 403 read_only, and reads still work', async () => {
    const link = await mint({ readOnly: true });
    expect(link.readOnly).toBe(true);
    const portal = apiClient(herald.url, link.token);
    expect((await portal.get(`/v1/integrations/${ids.a}`)).status).toBe(200);
    for (const res of [
      await portal.patch(`/v1/integrations/${ids.a}`, { name: 'renamed' }),
      await portal.post(`/v1/integrations/${ids.a}/disable`),
      await portal.delete(`/v1/integrations/${ids.a}`),
      await portal.put('/v1/alert-settings', { minIntervalSeconds: 60 }),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.code).toBe('read_only');
    }
    expect((await acme.get(`/v1/integrations/${ids.a}`)).body.name).toBe('Portal A');
  });

  it('a writable link may change its own integration', async () => {
    const link = await mint({ integrationId: ids.b });
    const res = await apiClient(herald.url, link.token).patch(`/v1/integrations/${ids.b}`, {
      name: 'Portal B2',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.name).toBe('Portal B2');
  });

  it('a portal token never mints links or revokes them', async () => {
    const link = await mint();
    const portal = apiClient(herald.url, link.token);
    const again = await portal.post('/v1/portal-links', {});
    expect([again.status, again.body.error.code]).toEqual([403, 'forbidden']);
    const revoke = await portal.delete(`/v1/portal-links/${link.id}`);
    expect(revoke.status).toBe(403);
  });

  it('expires: a well-signed token past its expiry is 401, and a 1-second link stops working', async () => {
    const key = portalKeyFrom(SECRET);
    const past = signPortalToken(key, {
      id: 'pl_000000000000000000000000',
      teamId: 'acme',
      integrationId: null,
      readOnly: false,
      expiresAt: Date.now() - 1_000,
    });
    const res = await apiClient(herald.url, past).get('/v1/integrations');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/portal link/);
    const short = await mint({ ttlSeconds: 1 });
    const portal = apiClient(herald.url, short.token);
    expect((await portal.get('/v1/integrations')).status).toBe(200);
    await eventually(async () => (await portal.get('/v1/integrations')).status === 401, 5_000, 200);
    // Its record is tidied up once expired; a live link's stays (and keeps working).
    const live = await mint();
    const teams = herald.resolve(TOKENS.buckets).teams;
    expect((await teams.get(`portal.${short.id}`))?.operation).toBe('PUT');
    await herald.resolve(PortalLinks).purgeExpired();
    expect((await teams.get(`portal.${short.id}`))?.operation).toBe('PURGE');
    expect((await teams.get(`portal.${live.id}`))?.operation).toBe('PUT');
    expect((await apiClient(herald.url, live.token).get('/v1/integrations')).status).toBe(200);
  });

  it('is revoked on every runner: DELETE answers the record, then both runners refuse it', async () => {
    const link = await mint();
    const here = apiClient(herald.url, link.token);
    const there = apiClient(other.url, link.token);
    expect((await there.get('/v1/integrations')).status).toBe(200);
    const res = await acme.delete(`/v1/portal-links/${link.id}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.revokedAt).not.toBeNull();
    expect(res.body).not.toHaveProperty('token');
    expect((await here.get('/v1/integrations')).status).toBe(401);
    // The other runner trusted it a few seconds at most (PORTAL_CACHE_MS).
    await eventually(async () => (await there.get('/v1/integrations')).status === 401, 6_000, 200);
  });

  it('lists the team’s live links, newest first, revoked ones marked, never a token; not to a portal token', async () => {
    const older = await mint({ readOnly: true });
    await new Promise((r) => setTimeout(r, 5)); // a later createdAt (ms)
    const newer = await mint({ integrationId: ids.a });
    expect((await acme.delete(`/v1/portal-links/${older.id}`)).status).toBe(200);
    const res = await acme.get('/v1/portal-links');
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((l: { id: string }) => l.id === older.id || l.id === newer.id);
    expect(mine.map((l: { id: string }) => l.id)).toEqual([newer.id, older.id]);
    expect(mine[0]).toMatchObject({ integrationId: ids.a, readOnly: false, revokedAt: null });
    expect(mine[1].revokedAt).not.toBeNull();
    expect(res.text).not.toContain(newer.token.split('.')[1]!);
    expect(res.text).not.toContain('"token"');
    // Another team sees none of these; a portal token cannot list links.
    const theirs = (await globex.get('/v1/portal-links')).body.items.map((l: { id: string }) => l.id);
    expect(theirs).not.toContain(newer.id);
    const asPortal = await apiClient(herald.url, newer.token).get('/v1/portal-links');
    expect(asPortal.status).toBe(403);
  });

  it('revoking another team’s link, or an unknown id, is 404', async () => {
    const link = await mint();
    expect((await globex.delete(`/v1/portal-links/${link.id}`)).status).toBe(404);
    expect((await acme.delete('/v1/portal-links/pl_ffffffffffffffffffffffff')).status).toBe(404);
    expect((await acme.delete('/v1/portal-links/nonsense')).status).toBe(404);
    expect((await apiClient(herald.url, link.token).get('/v1/integrations')).status).toBe(200);
  });

  it('refuses bad and forged tokens with 401', async () => {
    const link = await mint();
    const [body, sig] = link.token.slice(3).split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...payload, t: 'globex' })).toString('base64url');
    const forgedKey = portalKeyFrom('another-secret-entirely-0123456789abcdef');
    const forged = signPortalToken(forgedKey, {
      id: payload.id,
      teamId: 'acme',
      integrationId: null,
      readOnly: false,
      expiresAt: Date.now() + 60_000,
    });
    for (const token of [`hp_${widened}.${sig}`, forged, 'hp_garbage', `hp_${body}.`, `${link.token}x`]) {
      const res = await apiClient(herald.url, token).get('/v1/integrations');
      expect(res.status, token).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('names the bad field of a mint request', async () => {
    for (const [body, field] of [
      [{ ttlSeconds: 86_401 }, 'ttlSeconds'],
      [{ ttlSeconds: 0 }, 'ttlSeconds'],
      [{ readOnly: 'yes' }, 'readOnly'],
      [{ integrationId: 'a b' }, 'integrationId'],
      [{ ttl: 60 }, 'ttl'],
    ] as const) {
      const res = await acme.post('/v1/portal-links', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
  });

  it('never logs a token', async () => {
    const link = await mint();
    await apiClient(herald.url, link.token).get('/v1/integrations');
    await apiClient(herald.url, `${link.token}x`).get('/v1/integrations');
    // The request line names the link by its id, for an audit (written once the answer is sent).
    await eventually(() => herald.logs.lines.some((l) => l.includes(`"portalLinkId":"${link.id}"`)));
    expect(herald.logs.text).not.toContain(link.token.split('.')[1]!);
    expect(herald.logs.text).not.toContain(link.token.split('.')[0]!);
    expect(herald.logs.text).not.toContain(SECRET);
  });

  it('serves the dashboard with the configured frame-ancestors, and no X-Frame-Options DENY', async () => {
    const res = await fetch(`${herald.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${FRAME_ANCESTORS}`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    const asset = await fetch(`${herald.url}/assets/base.css`);
    expect(asset.headers.get('content-security-policy')).toContain(`frame-ancestors ${FRAME_ANCESTORS}`);
  });
});

describe('portal links — configuration', () => {
  it('refuses a short secret and frame-ancestors that are not CSP sources, naming the variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ HERALD_PORTAL_SECRET: 'short' })[0]).toMatch(/^HERALD_PORTAL_SECRET: .*32/);
    for (const bad of ["'self'; script-src *", 'https://a.example,https://b.example', "'none' 'self'"])
      expect(problems({ HERALD_FRAME_ANCESTORS: bad })[0], bad).toMatch(/^HERALD_FRAME_ANCESTORS: /);
    expect(
      loadConfig({ HERALD_FRAME_ANCESTORS: " 'self'  https://*.example.com:8443 " }).frameAncestors,
    ).toBe("'self' https://*.example.com:8443");
    expect(loadConfig({}).frameAncestors).toBe("'none'");
    expect(loadConfig({}).portalSecret).toBeNull();
  });
});

describe('portal links — disabled without HERALD_PORTAL_SECRET', () => {
  let nats: TestNats;
  let herald: RunningHerald;

  beforeAll(async () => {
    nats = await startNats();
    herald = await startHerald(nats.url);
  });
  afterAll(async () => {
    await herald?.stop();
    await nats?.cleanup();
  });

  it('answers 403 saying how to enable them, and the dashboard may not be framed', async () => {
    const { key } = await herald.resolve(ApiKeyStore).create('acme');
    const res = await apiClient(herald.url, key).post('/v1/portal-links', {});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('portal_links_disabled');
    expect(res.body.error.message).toContain('HERALD_PORTAL_SECRET');
    const page = await fetch(`${herald.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });
});
