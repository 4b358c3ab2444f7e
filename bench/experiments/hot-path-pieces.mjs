// Experiment: the runner's own computations per delivery, each in a loop, in µs of CPU per op
// (`node bench/experiments/hot-path-pieces.mjs [tree]`, after `pnpm build`). Compare builds by ratio.
const root = process.argv[2] ?? new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const d = (p) => import(`${root}/packages/runner/dist/${p}`);
const core = await import(`${root}/packages/core/dist/index.js`);
const { validateEventMessage } = await d('router/validate.js');
const { matchTeam } = await d('router/match.js');
const { routedRecord } = await d('router/event-record.js');
const { redactAttempt } = await d('secrets.js');
const webhook = (await import(`${root}/packages/provider-webhook/dist/index.js`)).default;
const { buildNotification } = core;
const team = [];
for (let k = 0; k < 10; k++)
  team.push(
    core.integrationSchema.parse({
      id: `int${k}`,
      teamId: 'team-0',
      name: `bench int${k}`,
      type: 'webhook',
      config: { url: `http://127.0.0.1:9/i/int${k}` },
      events: ['build:*'],
      projects: [`p${k}`],
      enabled: true,
      rateLimitPerSecond: null,
      createdAt: new Date().toISOString(),
    }),
  );
const ev = (i) =>
  JSON.stringify(
    core.exampleEvent('build:success', {
      id: `evt-${i}`,
      occurredAt: new Date().toISOString(),
      teamId: 'team-0',
      projectId: 'p0',
    }),
  );
const bytes = [];
for (let i = 0; i < 1000; i++) bytes.push(Buffer.from(ev(i)));
const subject = 'herald.events.team-0.p0.build.success';
const event = validateEventMessage(subject, bytes[0]);
function bench(name, fn, n = 100000) {
  for (let i = 0; i < 5000; i++) fn(i);
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const u = process.cpuUsage(t);
  console.log(`${name.padEnd(28)} ${((u.user + u.system) / n).toFixed(2)} µs`);
}
let sink;
bench('validate', (i) => {
  sink = validateEventMessage(subject, bytes[i % 1000]);
});
bench('matchTeam', () => {
  sink = matchTeam(team, event);
});
const matched = matchTeam(team, event);
bench('routedRecord+stringify', () => {
  sink = JSON.stringify(
    routedRecord(event, {
      matched,
      throttledBy: null,
      routedAt: new Date().toISOString(),
      receivedAtMs: Date.now(),
    }),
  );
});
bench('deliveryIdFor', (i) => {
  sink = core.deliveryIdFor(`evt-${i}`, 'int0');
});
const integ = team[0];
const notif = () =>
  buildNotification({
    event,
    integration: { id: integ.id, name: integ.name },
    deliveryId: 'dlv_X',
    attempt: 1,
    attemptAt: new Date().toISOString(),
    headerPrefix: 'X-Herald',
  });
bench('buildNotification', () => {
  sink = notif();
});
const n0 = notif();
bench('render (webhook)', () => {
  sink = webhook.render(n0, integ.config);
});
const spec = webhook.render(n0, integ.config);
const result = {
  outcome: { kind: 'success' },
  record: {
    number: 1,
    trigger: 'scheduled',
    at: new Date().toISOString(),
    durationMs: 3,
    request: {
      ...spec,
      headers: { ...spec.headers, 'X-Herald-Runner-Id': 'rnr_01M8STYNBH52D8HTNYK3M1RWST' },
    },
    response: {
      status: 200,
      headers: {
        'content-length': '0',
        date: 'Tue, 01 Dec 2026 22:17:38 GMT',
        connection: 'keep-alive',
        'keep-alive': 'timeout=65',
      },
      body: '',
      truncated: false,
    },
    error: null,
    outcome: 'success',
    reason: null,
  },
};
bench('redactAttempt', () => {
  sink = redactAttempt(webhook, integ.config, result);
});
const rec = {
  id: 'dlv_K9VZZQD4H0TZ1018D3BTB4PWDV',
  integrationId: 'int0',
  teamId: 'team-0',
  eventId: event.id,
  eventType: event.event,
  projectId: 'p0',
  trigger: 'scheduled',
  event,
  status: 'succeeded',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  attemptCount: 1,
  failures: 0,
  rateLimitWaits: 0,
  nextAttemptAt: null,
  lastStatusCode: 200,
  lastError: null,
  firstAttempt: redactAttempt(webhook, integ.config, result).record,
};
bench('record stringify', () => {
  sink = JSON.stringify(rec);
});
const enc = new TextEncoder();
bench('record stringify+encode', () => {
  sink = enc.encode(JSON.stringify(rec));
});
// Read once, so no loop above is dropped as dead code.
if (sink === undefined) throw new Error('no result');
