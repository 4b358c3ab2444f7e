// Integrations, events and publishing, shaped exactly as the runner reads them.
import { core, loadConfig, now, provision } from './deps.mjs';

/** Provisions streams and buckets with the runner's own code, as `herald start` would. */
export function provisionLike(nats, env = {}) {
  return provision(nats.nc, nats.jsm, loadConfig({ NATS_URL: nats.url, ...env }));
}

/** A webhook integration as core's integrationSchema describes it (validated here). */
export function webhookIntegration({
  id,
  teamId,
  url,
  projects = null,
  events = ['build:*'],
  rateLimitPerSecond = null,
}) {
  return core.integrationSchema.parse({
    id,
    teamId,
    name: `bench ${id}`,
    type: 'webhook',
    config: { url },
    events,
    projects,
    enabled: true,
    rateLimitPerSecond,
    createdAt: new Date().toISOString(),
  });
}

/** The sink path of an integration. */
export const sinkPath = (integrationId) => `/i/${integrationId}`;

/**
 * Writes integrations into HERALD_INTEGRATIONS as IntegrationStore.create does: key
 * `<teamId>.<id>`, the JSON of the integration, `create` (fails if it exists).
 */
export async function writeIntegrations(kv, integrations, window = 256) {
  await pipelined(integrations.length, window, (i) => {
    const x = integrations[i];
    return kv.create(`${x.teamId}.${x.id}`, JSON.stringify(x));
  });
}

/**
 * `count` integrations in teams of `perTeam`; integration k is in team `team-<k / perTeam>`
 * and listens to project `p<k % perTeam>`, so an event for (team, project) has exactly
 * one match. `projectsOf(k)` overrides the project list.
 */
export function integrationSet({ count, perTeam, sinkOrigin, prefix = 'int', projectsOf }) {
  const list = [];
  for (let k = 0; k < count; k++) {
    const id = `${prefix}${k}`;
    list.push(
      webhookIntegration({
        id,
        teamId: `team-${Math.floor(k / perTeam)}`,
        url: `${sinkOrigin}${sinkPath(id)}`,
        projects: projectsOf ? projectsOf(k) : [`p${k % perTeam}`],
      }),
    );
  }
  return list;
}

/**
 * A fast serializer for `build:success` events: the example event of the catalogue, as
 * JSON, with id, time, team and project filled in (checked once against the schema).
 */
export function eventFactory() {
  const template = JSON.stringify(
    core.exampleEvent('build:success', {
      id: '@ID@',
      occurredAt: '@AT@',
      teamId: '@TEAM@',
      projectId: '@PROJECT@',
    }),
  );
  const [a, rest1] = split(template, '"@ID@"');
  const [b, rest2] = split(rest1, '"@AT@"');
  const [c, rest3] = split(rest2, '"@TEAM@"');
  const [d, e] = split(rest3, '"@PROJECT@"');
  const make = (id, atMs, teamId, projectId) =>
    `${a}"${id}"${b}"${new Date(atMs).toISOString()}"${c}"${teamId}"${d}"${projectId}"${e}`;
  core.parseEvent(JSON.parse(make('evt_check', Date.now(), 'team-0', 'p0')));
  return {
    json: make,
    subject: (teamId, projectId) => `herald.events.${teamId}.${projectId}.build.success`,
    object: (id, atMs, teamId, projectId) =>
      core.exampleEvent('build:success', { id, occurredAt: new Date(atMs).toISOString(), teamId, projectId }),
  };
}

function split(text, marker) {
  const i = text.indexOf(marker);
  if (i < 0) throw new Error(`marker ${marker} missing`);
  return [text.slice(0, i), text.slice(i + marker.length)];
}

/** Runs `task(i)` for i in [0, count) with at most `window` promises outstanding. */
export async function pipelined(count, window, task) {
  let inFlight = 0;
  let waiter = null;
  let failure = null;
  const done = () => {
    inFlight--;
    if (waiter && inFlight < window) {
      const w = waiter;
      waiter = null;
      w();
    }
  };
  for (let i = 0; i < count; i++) {
    if (failure) throw failure;
    if (inFlight >= window) await new Promise((r) => (waiter = r));
    inFlight++;
    task(i).then(done, (err) => {
      failure ??= err;
      done();
    });
  }
  while (inFlight > 0) await new Promise((r) => (waiter = r));
  if (failure) throw failure;
}

/**
 * Calls `send(i)` at a steady `rate` per second for `durationMs` (catching up after a
 * late timer, never bursting ahead). Resolves with how many were sent and the real rate.
 */
export async function paced({ rate, durationMs, send, startIndex = 0 }) {
  const total = Math.round((rate * durationMs) / 1000);
  const start = now();
  let sent = 0;
  const pending = new Set();
  let errors = 0;
  let firstError = null;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      const p = send(startIndex + sent);
      pending.add(p);
      const forget = () => pending.delete(p);
      p.then(forget, (err) => {
        errors++;
        firstError ??= err;
        forget();
      });
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const elapsed = now() - start;
  await Promise.allSettled([...pending]);
  return {
    sent,
    errors,
    firstError: firstError?.message ?? null,
    seconds: elapsed / 1000,
    rate: sent / (elapsed / 1000),
  };
}
