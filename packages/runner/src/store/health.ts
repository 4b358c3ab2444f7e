import type { HealthTransition, IntegrationMachineSnapshot, IntegrationState } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { liveJson } from './kv.js';

const STATES: ReadonlySet<string> = new Set<IntegrationState>(['healthy', 'failing', 'disabled']);

/** The machine state of a persisted snapshot; healthy when it has none that Herald knows. */
function stateOf(snapshot: unknown): IntegrationState {
  const value = (snapshot as { value?: unknown } | null)?.value;
  return typeof value === 'string' && STATES.has(value) ? (value as IntegrationState) : 'healthy';
}

/** `stateOf` a stored value; healthy when it is not JSON. */
function storedStateOf(json: string): IntegrationState {
  try {
    return stateOf(JSON.parse(json));
  } catch {
    return 'healthy';
  }
}

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
 * follows which integrations have a snapshot and the state each one is in, so loading one
 * that has none — every integration that never failed — costs no read (a cold fan-out to
 * 1 000 healthy integrations is 1 000 fewer KV round trips), and `herald_integrations`
 * counts every integration's state without a read.
 */
export class HealthStore {
  readonly #kv: KV;
  // Integrations with a stored snapshot and its state; null until the watch has caught up.
  #stored: Map<string, IntegrationState> | null = null;
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
    // Values, not headers only: the state is read from each snapshot. A snapshot is written
    // when an integration's health changes (a failure, a recovery), not per delivery.
    const watch = await this.#kv.watch();
    this.#stop = () => watch.stop();
    const stored = new Map<string, IntegrationState>();
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
        if (entry.operation === 'PUT') stored.set(entry.key, storedStateOf(entry.string()));
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

  /**
   * The stored state of every integration that has a snapshot (the others are healthy),
   * or null until the watch has caught up.
   */
  storedStates(): ReadonlyMap<string, IntegrationState> | null {
    return this.#stored;
  }

  async save(integrationId: string, persisted: unknown): Promise<void> {
    await this.#kv.put(integrationId, JSON.stringify(persisted));
    this.#stored?.set(integrationId, stateOf(persisted));
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
