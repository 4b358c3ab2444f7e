import { createHash } from 'node:crypto';
import type { Integration } from '@herald/core';
import type { KV } from '@nats-io/kv';
import type { HeraldService } from '../../service.js';
import { liveJson } from '../../store/kv.js';
import type { SlackWebhookGrant } from './slack-install-oauth.js';

// What an "Add to Slack" install brought besides the webhook URL: the channel name,
// Slack's configuration page, the workspace. The Slack provider's config schema is
// `{ url }` and strips other fields, so a `channel` kept in the config would vanish at
// the next PATCH (the dashboard's edit form sends one); it lives next to the
// integration instead, in the teams bucket under `slack-install.<integrationId>`, and
// reads attach it as `slack`. It carries a hash of the URL it came with: once someone
// pastes another URL, the channel is no longer known and reads stop showing it.

const KEY_PREFIX = 'slack-install.';

/** The install record as stored. */
export interface SlackInstallRecord {
  integrationId: string;
  teamId: string;
  channel: string;
  channelId: string | null;
  configurationUrl: string | null;
  workspace: { id: string; name: string | null } | null;
  installedAt: string;
  /** Hex SHA-256 of the webhook URL installed with it. */
  urlHash: string;
}

/** What reads of a Slack integration show of its install. */
export interface SlackInstallView {
  channel: string;
  channelId: string | null;
  configurationUrl: string | null;
  workspace: string | null;
  installedAt: string;
}

function urlHash(url: unknown): string {
  return createHash('sha256')
    .update(typeof url === 'string' ? url : '')
    .digest('hex');
}

/** The install record of a new grant. */
export function installRecord(integration: Integration, grant: SlackWebhookGrant): SlackInstallRecord {
  return {
    integrationId: integration.id,
    teamId: integration.teamId,
    channel: grant.channel,
    channelId: grant.channelId,
    configurationUrl: grant.configurationUrl,
    workspace: grant.workspace,
    installedAt: new Date().toISOString(),
    urlHash: urlHash(grant.url),
  };
}

/** Install records in the teams bucket. */
export class SlackInstalls {
  readonly #kv: KV;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async get(integrationId: string): Promise<SlackInstallRecord | null> {
    return liveJson<SlackInstallRecord>(await this.#kv.get(`${KEY_PREFIX}${integrationId}`));
  }

  async save(record: SlackInstallRecord): Promise<void> {
    await this.#kv.put(`${KEY_PREFIX}${record.integrationId}`, JSON.stringify(record));
  }

  /** Forgets an integration's record, if it has one (no tombstone for integrations that never had one). */
  async forget(integrationId: string): Promise<void> {
    if (await this.get(integrationId)) await this.#kv.purge(`${KEY_PREFIX}${integrationId}`);
  }
}

/** The install shown in reads of a Slack integration; undefined for other types, pasted URLs or stale records. */
export async function slackInstallOf(
  service: HeraldService,
  integration: Integration,
): Promise<SlackInstallView | undefined> {
  if (integration.type !== 'slack') return undefined;
  const record = await new SlackInstalls(service.buckets.teams).get(integration.id);
  if (!record || record.teamId !== integration.teamId || record.urlHash !== urlHash(integration.config.url))
    return undefined;
  return {
    channel: record.channel,
    channelId: record.channelId,
    configurationUrl: record.configurationUrl,
    workspace: record.workspace?.name ?? null,
    installedAt: record.installedAt,
  };
}

const watching = new WeakSet<HeraldService>();

/** Drops the record of an integration when it is deleted (once per service). */
export function forgetDeletedInstalls(service: HeraldService): void {
  if (watching.has(service)) return;
  watching.add(service);
  const installs = new SlackInstalls(service.buckets.teams);
  service.integrations.onChange((integration, id) => {
    if (integration === null)
      installs.forget(id).catch((err: unknown) => {
        service.logger.warn(
          { integrationId: id, err: (err as Error).message },
          'slack install record not removed',
        );
      });
  });
}
