import { createHash } from 'node:crypto';
import type { AnyProvider, Integration } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { isLive, liveJson } from '../store/kv.js';

// What a connect flow's install brought besides the config: for Slack the channel name,
// the workspace and Slack's configuration page. A provider's config schema strips
// fields it does not know, so details kept in the config would vanish at the next
// PATCH; they live next to the integration instead, in the teams bucket under
// `<type>-install.<integrationId>` (`slack-install.…`), and reads attach them. A record
// carries a fingerprint of the config's secret fields as installed (what the install
// granted: Slack's webhook URL): once someone pastes another URL, the details no longer
// describe the integration and reads stop showing them.

/** An install record as stored. */
export interface InstallRecord {
  integrationId: string;
  teamId: string;
  installedAt: string;
  /** Hex SHA-256 of the secret config fields' values as installed. */
  fingerprint: string;
  /** What the flow's exchange returned as details. */
  details: Record<string, unknown>;
}

/**
 * The fingerprint of a config: SHA-256 of its secret fields' values, one per line. With
 * Slack's one secret field it is the SHA-256 of the webhook URL, as records were keyed
 * when this store was Slack's alone.
 */
export function configFingerprint(provider: AnyProvider, config: Record<string, unknown>): string {
  const values = provider.secretFields.map((f) => {
    const v = config[f];
    return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  });
  return createHash('sha256').update(values.join('\n')).digest('hex');
}

/**
 * A stored record in today's shape. Records written before connect flows were generic
 * (Slack's, until 2026-12) are flat: their details at the top and the fingerprint
 * named `urlHash`.
 */
function normalise(stored: Record<string, unknown>): InstallRecord | null {
  const { integrationId, teamId, installedAt, fingerprint, urlHash, details, ...flat } = stored;
  const print = fingerprint ?? urlHash;
  if (typeof integrationId !== 'string' || typeof teamId !== 'string' || typeof print !== 'string')
    return null;
  return {
    integrationId,
    teamId,
    installedAt: typeof installedAt === 'string' ? installedAt : new Date(0).toISOString(),
    fingerprint: print,
    details: details && typeof details === 'object' ? (details as Record<string, unknown>) : flat,
  };
}

/** One provider type's install records in the teams bucket. */
export class InstallRecords {
  readonly #kv: KV;
  readonly #prefix: string;

  constructor(kv: KV, type: string) {
    this.#kv = kv;
    this.#prefix = `${type}-install.`;
  }

  async get(integrationId: string): Promise<InstallRecord | null> {
    const stored = liveJson<Record<string, unknown>>(await this.#kv.get(`${this.#prefix}${integrationId}`));
    return stored && typeof stored === 'object' ? normalise(stored) : null;
  }

  async save(record: InstallRecord): Promise<void> {
    await this.#kv.put(`${this.#prefix}${record.integrationId}`, JSON.stringify(record));
  }

  /** Forgets an integration's record, if it has one (no tombstone for integrations that never had one). */
  async forget(integrationId: string): Promise<void> {
    const key = `${this.#prefix}${integrationId}`;
    if (isLive(await this.#kv.get(key))) await this.#kv.purge(key);
  }
}

/** The record of a new install. */
export function installRecord(
  provider: AnyProvider,
  integration: Integration,
  details: Record<string, unknown>,
): InstallRecord {
  return {
    integrationId: integration.id,
    teamId: integration.teamId,
    installedAt: new Date().toISOString(),
    fingerprint: configFingerprint(provider, integration.config),
    details,
  };
}

/** True when the record still describes the integration (same team, same secret config). */
export function describes(provider: AnyProvider, record: InstallRecord, integration: Integration): boolean {
  return (
    record.teamId === integration.teamId &&
    record.fingerprint === configFingerprint(provider, integration.config)
  );
}
