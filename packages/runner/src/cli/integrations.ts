import { type Integration, integrationSchema } from '@herald/core';
import { loadConfig } from '../config/config.js';
import { loadProviders } from '../providers/registry.js';
import { maskConfig } from '../secrets.js';
import { HealthStore } from '../store/health.js';
import { liveJson } from '../store/kv.js';
import { noExtra, parse, tokenArg, UsageError } from './args.js';
import { connectCli } from './nats.js';

export const INTEGRATIONS_USAGE = `usage:
  herald integrations list --team <id> [--json]   the team's integrations with their health (secrets masked)
`;

/** `herald integrations list`: reads the integrations bucket directly. */
export async function integrationsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list')
    throw new UsageError(
      sub ? `unknown integrations command ${JSON.stringify(sub)}` : 'missing integrations command',
      INTEGRATIONS_USAGE,
    );
  const { values, positionals } = parse(
    rest,
    { team: { type: 'string' }, json: { type: 'boolean' } },
    INTEGRATIONS_USAGE,
  );
  noExtra(positionals, INTEGRATIONS_USAGE);
  const team = tokenArg(values.team, '--team', INTEGRATIONS_USAGE);
  const config = loadConfig();
  const providers = await loadProviders(config.providers);
  const nats = await connectCli(config);
  try {
    const kv = nats.buckets.integrations;
    const keys: string[] = [];
    for await (const k of await kv.keys(`${team}.*`)) keys.push(k);
    const found = await Promise.all(keys.map(async (k) => liveJson<unknown>(await kv.get(k))));
    const integrations = found
      .map((v) => integrationSchema.safeParse(v))
      .filter((r) => r.success)
      .map((r) => r.data as Integration)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const health = new HealthStore(nats.buckets.health);
    const rows = await Promise.all(
      integrations.map(async (i) => {
        const view = await health.view(i.id);
        const provider = providers.get(i.type);
        return {
          id: i.id,
          name: i.name,
          type: i.type,
          config: provider ? maskConfig(provider, i.config) : {},
          events: i.events,
          projects: i.projects,
          enabled: i.enabled,
          state: i.enabled ? view.state : 'disabled',
          createdAt: i.createdAt,
        };
      }),
    );
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) process.stderr.write(`herald: team ${team} has no integrations\n`);
    else
      for (const r of rows)
        process.stdout.write(
          `${r.id}  ${r.type.padEnd(8)}  ${r.state.padEnd(8)}  ${r.name}  [${r.events.join(', ')}]\n`,
        );
    return 0;
  } finally {
    await nats.close();
  }
}
