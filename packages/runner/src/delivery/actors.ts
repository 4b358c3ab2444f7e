import {
  type HealthPolicy,
  type IntegrationMachineEmitted,
  type IntegrationMachineEvent,
  type IntegrationMachineSnapshot,
  integrationMachine,
} from '@herald/core';
import { type Actor, createActor } from 'xstate';
import type { HealthStore } from '../store/health.js';

type IntegrationActor = Actor<typeof integrationMachine>;

const handledEvents = new Map<string, Set<string>>();

/** Whether the machine's state `state` has a transition for events of `type`. */
function handles(state: string, type: string): boolean {
  let events = handledEvents.get(state);
  if (!events) {
    const node = integrationMachine.states[state];
    // An unknown state: let XState decide.
    if (!node) return true;
    events = new Set(node.events.map(String));
    handledEvents.set(state, events);
  }
  return events.has(type);
}

export interface ActorRegistryOptions {
  health: HealthStore;
  policy: HealthPolicy;
  concurrency: number;
  idleTtlMs: number;
  /** Called for every change of state, after it is persisted. */
  onTransition: (integrationId: string, transition: IntegrationMachineEmitted) => Promise<void>;
}

interface Entry {
  actor: IntegrationActor;
  lastUsed: number;
  busy: number;
}

/**
 * One integration-machine actor per integration, created on demand from its persisted
 * snapshot and evicted to it when idle, so 10 000 integrations cost little memory. An
 * integration without persisted state gets an actor only when an event changes its machine.
 * Every change of the machine's context is persisted before the caller goes on.
 */
export class ActorRegistry {
  readonly #options: ActorRegistryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry>>();
  readonly #timer: NodeJS.Timeout;
  /** What every integration without persisted state starts from: healthy, nothing counted. */
  readonly #freshSnapshot: IntegrationMachineSnapshot;
  /** Integrations seen fresh (for `states`); they have no actor. */
  readonly #fresh = new Set<string>();

  constructor(options: ActorRegistryOptions) {
    this.#options = options;
    this.#freshSnapshot = createActor(integrationMachine, {
      input: { integrationId: '', concurrency: options.concurrency, policy: options.policy },
    }).getSnapshot();
    this.#timer = setInterval(
      () => void this.evictIdle(),
      Math.max(1_000, Math.floor(options.idleTtlMs / 2)),
    );
    this.#timer.unref();
  }

  /** The live snapshot of an integration's machine, loading it if needed. */
  async snapshot(integrationId: string): Promise<IntegrationMachineSnapshot> {
    return this.peek(integrationId) ?? (await this.#entry(integrationId)).actor.getSnapshot();
  }

  /**
   * The snapshot without I/O: the actor's if it is in memory, the fresh machine's if the
   * integration has no persisted state (no actor is made for it until it must change).
   */
  peek(integrationId: string): IntegrationMachineSnapshot | undefined {
    const entry = this.#entries.get(integrationId);
    if (entry) {
      entry.lastUsed = Date.now();
      return entry.actor.getSnapshot();
    }
    if (this.#loading.has(integrationId) || !this.#options.health.knownAbsent(integrationId))
      return undefined;
    this.#fresh.add(integrationId);
    return this.#freshSnapshot;
  }

  /** Sends an event; persists the snapshot when the context changed; resolves after transitions are handled. */
  async send(integrationId: string, event: IntegrationMachineEvent): Promise<IntegrationMachineSnapshot> {
    // Most sends are a success to a healthy integration, which its state does not handle:
    // skip XState's transition work (and its garbage, and a fresh machine's actor) for those.
    const fresh = this.peek(integrationId);
    if (fresh === this.#freshSnapshot && !handles(String(fresh.value), event.type)) return fresh;
    const entry = await this.#entry(integrationId);
    const current = entry.actor.getSnapshot();
    if (!handles(String(current.value), event.type)) {
      entry.lastUsed = Date.now();
      return current;
    }
    entry.busy++;
    try {
      const before = entry.actor.getSnapshot();
      const emitted: IntegrationMachineEmitted[] = [];
      const sub = entry.actor.on('integration.transition', (e) => emitted.push(e));
      entry.actor.send(event);
      sub.unsubscribe();
      const after = entry.actor.getSnapshot();
      if (after !== before && (after.value !== before.value || after.context !== before.context)) {
        await this.#options.health.save(integrationId, entry.actor.getPersistedSnapshot());
      }
      for (const transition of emitted) await this.#options.onTransition(integrationId, transition);
      return after;
    } finally {
      entry.busy--;
      entry.lastUsed = Date.now();
    }
  }

  /** Forgets an integration (deleted). */
  async forget(integrationId: string): Promise<void> {
    this.#fresh.delete(integrationId);
    this.#entries.get(integrationId)?.actor.stop();
    this.#entries.delete(integrationId);
    await this.#options.health.remove(integrationId);
  }

  /** Drops idle actors from memory; their state is already persisted. */
  evictIdle(now: number = Date.now()): number {
    let evicted = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.busy === 0 && now - entry.lastUsed >= this.#options.idleTtlMs) {
        entry.actor.stop();
        this.#entries.delete(id);
        evicted++;
      }
    }
    return evicted;
  }

  /** Drops every actor of the given integrations (their partition moved elsewhere). */
  release(predicate: (integrationId: string) => boolean): void {
    for (const id of this.#fresh) if (predicate(id)) this.#fresh.delete(id);
    for (const [id, entry] of this.#entries) {
      if (predicate(id)) {
        entry.actor.stop();
        this.#entries.delete(id);
      }
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Counts by state of the integrations in memory (fresh ones are healthy). */
  states(): Record<string, number> {
    const counts: Record<string, number> = { healthy: this.#fresh.size, failing: 0, disabled: 0 };
    for (const entry of this.#entries.values()) {
      const state = String(entry.actor.getSnapshot().value);
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const entry of this.#entries.values()) entry.actor.stop();
    this.#entries.clear();
    this.#fresh.clear();
  }

  async #entry(integrationId: string): Promise<Entry> {
    const existing = this.#entries.get(integrationId);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing;
    }
    let loading = this.#loading.get(integrationId);
    if (!loading) {
      loading = this.#load(integrationId);
      this.#loading.set(integrationId, loading);
      void loading.finally(() => this.#loading.delete(integrationId)).catch(() => undefined);
    }
    return loading;
  }

  async #load(integrationId: string): Promise<Entry> {
    return this.#start(integrationId, await this.#options.health.load(integrationId));
  }

  #start(integrationId: string, persisted: IntegrationMachineSnapshot | null): Entry {
    const input = {
      integrationId,
      concurrency: this.#options.concurrency,
      policy: this.#options.policy,
      now: new Date().toISOString(),
    };
    // The configuration is authoritative: a restored machine takes today's policy.
    const actor = persisted
      ? createActor(integrationMachine, {
          snapshot: {
            ...persisted,
            context: { ...persisted.context, policy: input.policy, concurrency: input.concurrency },
          } as never,
          input,
        })
      : createActor(integrationMachine, { input });
    actor.start();
    const entry: Entry = { actor, lastUsed: Date.now(), busy: 0 };
    this.#entries.set(integrationId, entry);
    this.#fresh.delete(integrationId);
    return entry;
  }
}
