import type { HealthTransition, IntegrationMachineSnapshot, IntegrationState } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { liveJson } from './kv.js';

/** What the API shows of an integration's health. */
export interface HealthView {
  state: IntegrationState;
  since: string | null;
  failingSince: string | null;
  lastError: string | null;
  failedDeliveries: number;
  transitions: HealthTransition[];
}

/** What an integration without a persisted snapshot reads as. */
export const HEALTHY: HealthView = {
  state: 'healthy',
  since: null,
  failingSince: null,
  lastError: null,
  failedDeliveries: 0,
  transitions: [],
};

/**
 * Persisted integration-machine snapshots, one key per integration. Once started, it
 * follows which integrations have a snapshot (keys only), so loading one that has none —
 * every integration that never failed — costs no read: a cold fan-out to 1 000 healthy
 * integrations is 1 000 fewer KV round trips.
 */
export class HealthStore {
  readonly #kv: KV;
  // Integrations with a stored snapshot; null until the watch has caught up.
  #stored: Set<string> | null = null;
  #stop: (() => void) | null = null;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  /**
   * Follows the bucket's keys; resolves once the ones stored now are known. Callers need not
   * wait: until then every load reads.
   */
  async start(): Promise<void> {
    const initial = (await this.#kv.status()).values;
    const watch = await this.#kv.watch({ headers_only: true });
    this.#stop = () => watch.stop();
    const stored = new Set<string>();
    let ready: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const caughtUp = () => {
      this.#stored = stored;
      ready();
    };
    if (initial === 0) caughtUp();
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === 'PUT') stored.add(entry.key);
        else stored.delete(entry.key);
        if (entry.delta === 0) caughtUp();
      }
      // The watch ended (stopped, or the connection closed for good): read every time again.
      this.#stored = null;
    })();
    await loaded;
  }

  stop(): void {
    this.#stop?.();
    this.#stored = null;
  }

  /** True when the integration is known to have no snapshot (no read needed to tell). */
  knownAbsent(integrationId: string): boolean {
    return this.#stored !== null && !this.#stored.has(integrationId);
  }

  async load(integrationId: string): Promise<IntegrationMachineSnapshot | null> {
    if (this.knownAbsent(integrationId)) return null;
    const entry = await this.#kv.get(integrationId);
    return liveJson<IntegrationMachineSnapshot>(entry);
  }

  async save(integrationId: string, persisted: unknown): Promise<void> {
    await this.#kv.put(integrationId, JSON.stringify(persisted));
    this.#stored?.add(integrationId);
  }

  async remove(integrationId: string): Promise<void> {
    await this.#kv.purge(integrationId);
    this.#stored?.delete(integrationId);
  }

  /** The health of one integration as users see it. */
  async view(integrationId: string): Promise<HealthView> {
    const snapshot = await this.load(integrationId);
    if (!snapshot) return HEALTHY;
    const c = snapshot.context;
    return {
      state: snapshot.value as IntegrationState,
      since: c.since,
      failingSince: c.failingSince,
      lastError: c.lastError,
      failedDeliveries: c.failedDeliveries,
      transitions: c.history,
    };
  }
}
