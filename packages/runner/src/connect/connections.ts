import type { ConnectionRow, Integration, SetupHttp } from '@herald/core';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { HttpSender } from '../delivery/http-sender.js';
import type { ConnectFlows, HostedFlow } from './flows.js';
import { describes, InstallRecords, installRecord } from './installs.js';
import { setupHttp } from './setup-http.js';

// The runner's side of connect flows that is not HTTP: the flows, their install
// records, the setup client, and what happens to a connection when its integration is
// read or deleted. The routes (http/routes/connect*.ts) use it.

/** What the dashboard shows of a connected integration. */
export interface ConnectionSummary {
  type: string;
  installedAt: string;
  rows: Array<{ id: string; label: string; text: string; href: string | null }>;
}

/** What a read of a connected integration carries besides the integration's own fields. */
export type ConnectionRead = Record<string, unknown> & { connection: ConnectionSummary };

export interface ConnectionsDeps {
  flows: ConnectFlows;
  /** The teams bucket: install records and claimed state nonces. */
  kv: KV;
  sender: Pick<HttpSender, 'send'>;
  logger: Logger;
}

/** A link the dashboard renders must be http(s), whoever wrote the row. */
function safeRow(row: ConnectionRow): ConnectionSummary['rows'][number] {
  let href: string | null = null;
  try {
    if (row.href && /^https?:$/.test(new URL(row.href).protocol)) href = row.href;
  } catch {
    // Not a URL: shown as text only.
  }
  return { id: String(row.id), label: String(row.label), text: String(row.text), href };
}

/** Connect flows as this runner hosts them. */
export class Connections {
  readonly flows: ConnectFlows;
  /** The teams bucket (state nonces, install records). */
  readonly kv: KV;
  /** The client flows make their setup calls with (see setup-http.ts). */
  readonly http: SetupHttp;
  readonly #logger: Logger;
  readonly #records = new Map<string, InstallRecords>();

  constructor(deps: ConnectionsDeps) {
    this.flows = deps.flows;
    this.kv = deps.kv;
    this.http = setupHttp(deps.sender);
    this.#logger = deps.logger;
  }

  /** The install records of one provider type. */
  records(type: string): InstallRecords {
    const known = this.#records.get(type);
    if (known) return known;
    const records = new InstallRecords(this.kv, type);
    this.#records.set(type, records);
    return records;
  }

  /** Keeps what an install brought next to the integration it created or reinstalled. */
  async saveInstall(hosted: HostedFlow, integration: Integration, details: Record<string, unknown>) {
    await this.records(hosted.type).save(installRecord(hosted.provider, integration, details));
  }

  /**
   * What reads add for an integration connected through its provider's flow:
   * `<type>: {…details, installedAt}` and `connection` (the dashboard's rows). Nothing
   * for other integrations, pasted configs or records that no longer describe it.
   */
  async readOf(integration: Integration): Promise<ConnectionRead | undefined> {
    const hosted = this.flows.get(integration.type);
    if (!hosted) return undefined;
    const record = await this.records(hosted.type).get(integration.id);
    if (!record || !describes(hosted.provider, record, integration)) return undefined;
    let view: ReturnType<HostedFlow['flow']['describe']>;
    try {
      view = hosted.flow.describe(record.details);
    } catch (err) {
      // A plugin's bug must not break reads of the integration.
      this.#logger.warn({ type: hosted.type, err: (err as Error).message }, 'connection details unreadable');
      return undefined;
    }
    if (!view) return undefined;
    const { installedAt } = record;
    return {
      [hosted.type]: { ...view.details, installedAt },
      connection: { type: hosted.type, installedAt, rows: view.rows.map(safeRow) },
    };
  }

  /**
   * After an integration is deleted: the flow's goodbye (best effort: the integration is
   * gone either way) and the record removed.
   */
  async forget(integration: Integration): Promise<void> {
    const hosted = this.flows.get(integration.type);
    if (!hosted) return;
    const records = this.records(hosted.type);
    const log = (what: string) => (err: unknown) =>
      this.#logger.warn({ integrationId: integration.id, err: (err as Error).message }, what);
    const record = await records.get(integration.id).catch(log('install record not read'));
    if (!record) return;
    // Only a connection that still is one: after a pasted config, the grant is not this config's.
    if (hosted.flow.disconnect && hosted.setup && describes(hosted.provider, record, integration))
      await hosted.flow
        .disconnect({
          settings: hosted.setup.settings,
          config: integration.config,
          details: record.details,
          http: this.http,
        })
        .catch(log(`${hosted.type} disconnect failed`));
    await records.forget(integration.id).catch(log('install record not removed'));
  }
}
