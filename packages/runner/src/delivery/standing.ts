import type { Integration, RateLimit } from '@herald/core';
import type { ProviderRegistry } from '../providers/registry.js';
import type { StepResult } from './item.js';
import { Pacer } from './pacer.js';

/** An integration's standing is forgotten after this long without deliveries. */
const STANDING_IDLE_MS = 600_000;

/** What this runner has learnt of an integration's destination; outlives its lane. */
export interface Standing {
  pacer: Pacer;
  /** Its last attempt here answered within the slow threshold. */
  proven: boolean;
  /** An attempt ran past the slow threshold, and none has been fast since. */
  slow: boolean;
  lastUsed: number;
}

/** The integration's own rate, else its provider's default; null = unpaced. */
export function rateLimitOf(
  integration: Integration | undefined,
  providers: ProviderRegistry,
): RateLimit | null {
  if (!integration) return null;
  const perSecond = integration.rateLimitPerSecond;
  if (perSecond) {
    const count = Math.max(1, Math.round(perSecond));
    return { count, perMs: (1_000 * count) / perSecond };
  }
  return providers.get(integration.type)?.rateLimit ?? null;
}

/** The standings of the integrations this runner delivers to: pace, pauses, fast or slow. */
export class Standings {
  readonly #map = new Map<string, Standing>();
  readonly #rateLimitOf: (integrationId: string) => RateLimit | null;
  readonly #slowAttemptMs: number;

  constructor(rateLimit: (integrationId: string) => RateLimit | null, slowAttemptMs: number) {
    this.#rateLimitOf = rateLimit;
    this.#slowAttemptMs = slowAttemptMs;
  }

  of(integrationId: string): Standing {
    let standing = this.#map.get(integrationId);
    if (!standing) {
      standing = {
        pacer: new Pacer(this.#rateLimitOf(integrationId)),
        proven: false,
        slow: false,
        lastUsed: Date.now(),
      };
      this.#map.set(integrationId, standing);
    }
    return standing;
  }

  /**
   * What an attempt tells of its destination: fast or slow, and any pause it asked for. A
   * slow answer that overlapped a stall of this runner (`blurred`) tells nothing of speed.
   */
  learn(integrationId: string, result: StepResult, blurred = false): void {
    const standing = this.of(integrationId);
    if (result.pauseUntil !== null) standing.pacer.pauseUntil(result.pauseUntil);
    if (result.durationMs === null) return;
    const slow = result.durationMs >= this.#slowAttemptMs;
    if (slow && blurred) return;
    standing.slow = slow;
    if (!slow) standing.proven = true;
  }

  /** The integration changed: its pace may have (a destination's pause holds). */
  forgetPacer(integrationId: string): void {
    const standing = this.#map.get(integrationId);
    if (!standing) return;
    const pacer = new Pacer(this.#rateLimitOf(integrationId));
    pacer.pauseUntil(standing.pacer.pausedUntil);
    standing.pacer = pacer;
  }

  /** Forgets integrations not in use that have had nothing to hold for a while. */
  evictIdle(now: number, inUse: (integrationId: string) => boolean): void {
    for (const [id, standing] of this.#map)
      if (!inUse(id) && now - standing.lastUsed > STANDING_IDLE_MS && standing.pacer.idle(now))
        this.#map.delete(id);
  }
}
