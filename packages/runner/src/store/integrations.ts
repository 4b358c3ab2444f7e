import { HeraldError, type HeraldEvent, type Integration, integrationSchema, matches } from '@herald/core';
import type { KV, KvEntry } from '@nats-io/kv';
import { isLive } from './kv.js';

/** Optimistic concurrency lost: someone changed the integration first. */
export class ConflictError extends HeraldError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'ConflictError';
  }
}

function keyOf(teamId: string, id: string): string {
  return `${teamId}.${id}`;
}

function decode(entry: KvEntry): Integration | null {
  if (!isLive(entry)) return null;
  const parsed = integrationSchema.safeParse(entry.json());
  return parsed.success ? parsed.data : null;
}

/**
 * Integrations, stored in a KV bucket under `<teamId>.<id>` and mirrored in memory by
 * a watch, so routing an event costs no KV read. Writes apply to the local mirror at
 * once, so a read after a write sees it.
 */
export class IntegrationStore {
  readonly #kv: KV;
  readonly #byId = new Map<string, Integration>();
  readonly #byTeam = new Map<string, Map<string, Integration>>();
  readonly #revisions = new Map<string, number>();
  #stop: (() => void) | null = null;
  readonly #listeners = new Set<(integration: Integration | null, id: string) => void>();

  constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Loads every integration and keeps following changes; resolves once the initial load is done. */
  async start(): Promise<void> {
    const initial = (await this.#kv.status()).values;
    const watch = await this.#kv.watch();
    this.#stop = () => watch.stop();
    let ready: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      ready = resolve;
    });
    if (initial === 0) ready();
    void (async () => {
      for await (const entry of watch) {
        this.#apply(entry.key, decode(entry), entry.revision);
        // The last entry of the initial load has delta 0 (the client marks it isUpdate).
        if (entry.delta === 0) ready();
      }
    })();
    await loaded;
  }

  stop(): void {
    this.#stop?.();
  }

  /** Called with every change (null when deleted). */
  onChange(listener: (integration: Integration | null, id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #apply(key: string, integration: Integration | null, revision: number): void {
    const known = this.#revisions.get(key) ?? 0;
    if (revision < known) return;
    this.#revisions.set(key, revision);
    const [teamId, id] = key.split('.') as [string, string];
    const old = this.#byId.get(id);
    if (old) this.#byTeam.get(old.teamId)?.delete(id);
    if (integration) {
      this.#byId.set(id, integration);
      let team = this.#byTeam.get(teamId);
      if (!team) {
        team = new Map();
        this.#byTeam.set(teamId, team);
      }
      team.set(id, integration);
    } else {
      this.#byId.delete(id);
    }
    for (const listener of this.#listeners) listener(integration, id);
  }

  /** The integrations that want `event`. */
  matching(event: HeraldEvent): Integration[] {
    const team = this.#byTeam.get(event.teamId);
    if (!team) return [];
    const out: Integration[] = [];
    for (const integration of team.values()) if (matches(integration, event)) out.push(integration);
    return out;
  }

  /** One team's integrations, in no particular order (the router's view: no copy, no sort). */
  ofTeam(teamId: string): Iterable<Integration> {
    return this.#byTeam.get(teamId)?.values() ?? [];
  }

  /** Any team's integration by id (the delivery worker's view). */
  byId(id: string): Integration | undefined {
    return this.#byId.get(id);
  }

  /** One team's integration; undefined for another team's. */
  get(teamId: string, id: string): Integration | undefined {
    const found = this.#byId.get(id);
    return found && found.teamId === teamId ? found : undefined;
  }

  /** One team's integrations, oldest first. */
  list(teamId: string): Integration[] {
    return [...(this.#byTeam.get(teamId)?.values() ?? [])].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  count(): number {
    return this.#byId.size;
  }

  /** Every team's integrations, in no particular order. */
  all(): IterableIterator<Integration> {
    return this.#byId.values();
  }

  /** Creates a new integration; fails if the id exists. */
  async create(integration: Integration): Promise<Integration> {
    const key = keyOf(integration.teamId, integration.id);
    const revision = await this.#kv.create(key, JSON.stringify(integration));
    this.#apply(key, integration, revision);
    return integration;
  }

  /** Replaces an integration if nobody changed it since it was read. */
  async update(integration: Integration): Promise<Integration> {
    const key = keyOf(integration.teamId, integration.id);
    const revision = this.#revisions.get(key);
    if (revision === undefined) throw new ConflictError(`integration ${integration.id} does not exist`);
    try {
      const next = await this.#kv.update(key, JSON.stringify(integration), revision);
      this.#apply(key, integration, next);
    } catch (err) {
      if (/wrong last sequence/i.test(String(err)))
        throw new ConflictError(`integration ${integration.id} was changed concurrently; retry`);
      throw err;
    }
    return integration;
  }

  async delete(teamId: string, id: string): Promise<void> {
    const key = keyOf(teamId, id);
    await this.#kv.delete(key);
    this.#apply(key, null, Number.MAX_SAFE_INTEGER);
    this.#revisions.delete(key);
  }
}
