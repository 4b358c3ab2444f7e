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

const HEALTHY: HealthView = {
  state: 'healthy',
  since: null,
  failingSince: null,
  lastError: null,
  failedDeliveries: 0,
  transitions: [],
};

/** Persisted integration-machine snapshots, one key per integration. */
export class HealthStore {
  readonly #kv: KV;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async load(integrationId: string): Promise<IntegrationMachineSnapshot | null> {
    const entry = await this.#kv.get(integrationId);
    return liveJson<IntegrationMachineSnapshot>(entry);
  }

  async save(integrationId: string, persisted: unknown): Promise<void> {
    await this.#kv.put(integrationId, JSON.stringify(persisted));
  }

  async remove(integrationId: string): Promise<void> {
    await this.#kv.purge(integrationId);
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
