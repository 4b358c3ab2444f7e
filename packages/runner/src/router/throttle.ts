import { createHash } from 'node:crypto';
import type { HeraldEvent } from '@herald/core';
import type { KV } from '@nats-io/kv';
import { isLive, liveJson } from '../store/kv.js';

/** A team's alert settings. */
export interface AlertSettings {
  /** The same infrastructure alert (type + resource) is sent at most once per this many seconds; 0 sends every one. */
  minIntervalSeconds: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { minIntervalSeconds: 0 };
const SETTINGS_CACHE_MS = 2_000;

/** What identifies "the same alert": its type and the resource it is about. */
export function alertFingerprint(event: HeraldEvent): string {
  const resource = (event.data as { resource?: { id?: string } }).resource?.id ?? '';
  return createHash('sha256')
    .update(`${event.teamId}\n${event.projectId}\n${event.event}\n${resource}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Per-team throttle of infrastructure alerts. The last send time of each fingerprint
 * lives in KV and is claimed with compare-and-set, so it holds across runners.
 */
export class AlertThrottle {
  readonly #throttle: KV;
  readonly #settings: KV;
  readonly #cache = new Map<string, { at: number; settings: AlertSettings }>();

  constructor(throttle: KV, settings: KV) {
    this.#throttle = throttle;
    this.#settings = settings;
  }

  async settings(teamId: string): Promise<AlertSettings> {
    const cached = this.#cache.get(teamId);
    if (cached && Date.now() - cached.at < SETTINGS_CACHE_MS) return cached.settings;
    const entry = await this.#settings.get(`settings.${teamId}`);
    const settings = liveJson<AlertSettings>(entry) ?? DEFAULT_ALERT_SETTINGS;
    this.#cache.set(teamId, { at: Date.now(), settings });
    return settings;
  }

  async saveSettings(teamId: string, settings: AlertSettings): Promise<void> {
    await this.#settings.put(`settings.${teamId}`, JSON.stringify(settings));
    this.#cache.set(teamId, { at: Date.now(), settings });
  }

  /**
   * True when this alert may be sent now (and claims the slot); false when throttled.
   * `scope` keeps a slot of one's own: an ordered integration's queue, which reads its
   * events apart from the router, throttles them by their published time in its own slot.
   */
  async admit(event: HeraldEvent, now: number = Date.now(), scope?: string): Promise<boolean> {
    const { minIntervalSeconds } = await this.settings(event.teamId);
    if (minIntervalSeconds <= 0) return true;
    const fingerprint = alertFingerprint(event);
    const key = scope ? `${event.teamId}.${fingerprint}.${scope}` : `${event.teamId}.${fingerprint}`;
    const entry = await this.#throttle.get(key);
    const value = JSON.stringify({ at: now, eventId: event.id });
    try {
      if (!isLive(entry)) {
        await this.#throttle.create(key, value);
        return true;
      }
      const last = entry.json<{ at: number; eventId: string }>();
      // A redelivered event that already claimed the slot goes through again (idempotent routing).
      if (last.eventId === event.id) return true;
      if (now - last.at < minIntervalSeconds * 1000) return false;
      await this.#throttle.update(key, value, entry.revision);
      return true;
    } catch (err) {
      // Another runner claimed the slot between our read and write.
      if (/wrong last sequence|key exists/i.test(String(err))) return false;
      throw err;
    }
  }
}
