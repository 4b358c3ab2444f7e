// Prints one stored delivery record (and its size) after one delivery through a real runner.

import { eventFactory, integrationSet, provisionLike, writeIntegrations } from '../lib/fixtures.mjs';
import { startNats } from '../lib/nats-server.mjs';
import { startRunner } from '../lib/runner-proc.mjs';
import { startSink } from '../lib/sink-client.mjs';

const sink = await startSink();
const nats = await startNats();
const buckets = await provisionLike(nats);
const [integration] = integrationSet({ count: 1, perTeam: 1, sinkOrigin: sink.origin });
await writeIntegrations(buckets.integrations, [integration]);
const runner = await startRunner({
  natsUrl: nats.url,
  env: {},
  nodeArgs: [],
  profileDir: null,
  readyTimeoutMs: 30_000,
});
const events = eventFactory();
const json = events.json('evt-1', Date.now(), integration.teamId, integration.projects[0]);
await nats.js.publish(events.subject(integration.teamId, integration.projects[0]), json, { msgID: 'evt-1' });
await sink.waitFor(1, 10_000, () => {});
await new Promise((r) => setTimeout(r, 600));
for await (const key of await buckets.log.keys()) {
  const e = await buckets.log.get(key);
  console.log(key, e.value.length, 'bytes');
  if (key.startsWith('d.')) console.log(JSON.stringify(JSON.parse(e.string()), null, 1));
}
console.log('event bytes', json.length);
await runner.stop();
await nats.stop();
await sink.stop?.();
process.exit(0);
