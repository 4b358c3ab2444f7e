import type { AnyProvider, HealthTransition, Integration } from '@herald/core';
import type { HealthView } from '../store/health.js';

/**
 * Why an integration receives nothing, in the API's words: `user` (turned off), `gone`
 * (its destination answered that it no longer exists, e.g. 410: disabled at once),
 * `cut_off` (the provider's connect flow recognises the answer, e.g. the Slack app was
 * removed), `kept_failing` (failed deliveries over the policy's window), `other` (history
 * recorded before causes were kept).
 */
export const DISABLE_CAUSES = ['user', 'gone', 'cut_off', 'kept_failing', 'other'] as const;
export type DisableCauseView = (typeof DISABLE_CAUSES)[number];

export interface DisabledView {
  /** Who disabled it: a user (the stored switch) or its health (the machine). */
  by: 'user' | 'health';
  cause: DisableCauseView;
  at: string | null;
  /** One sentence a person can read: what happened. */
  message: string;
  /** The destination's last error, when its health disabled it. */
  lastError: string | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const MINUTE_MS = 60_000;

/** "3 days", "5 hours", "12 minutes", "4 seconds". */
export function spanWords(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (ms >= 2 * DAY_MS) return unit(Math.round(ms / DAY_MS), 'day');
  if (ms >= 2 * HOUR_MS) return unit(Math.round(ms / HOUR_MS), 'hour');
  if (ms >= 2 * MINUTE_MS) return unit(Math.round(ms / MINUTE_MS), 'minute');
  return unit(Math.max(1, Math.round(ms / 1_000)), 'second');
}

function lastDisabling(health: HealthView): HealthTransition | undefined {
  // The API keeps transitions newest first.
  return health.transitions.find((t) => t.to === 'disabled');
}

/** The provider's own words when its connect flow recognises the disabling answer. */
function cutOffWords(provider: AnyProvider | undefined, reasons: string[]): string | null {
  const cutOff = provider?.connect?.presentation.cutOff;
  if (!cutOff) return null;
  const fixes = new RegExp(`\\b(${cutOff.fixes.join('|')})\\b`);
  return reasons.some((r) => fixes.test(r)) ? `${cutOff.title}. ${cutOff.cause}` : null;
}

/** Why the integration is disabled, or null when it receives events. */
export function disabledView(
  integration: Pick<Integration, 'enabled'>,
  provider: AnyProvider | undefined,
  health: HealthView,
): DisabledView | null {
  const transition = lastDisabling(health);
  if (!integration.enabled)
    return {
      by: 'user',
      cause: 'user',
      at: health.state === 'disabled' ? (transition?.at ?? null) : null,
      message: 'Disabled by a user.',
      lastError: null,
    };
  if (health.state !== 'disabled') return null;
  const base = { by: 'health' as const, at: transition?.at ?? health.since, lastError: health.lastError };
  const reasons = [health.lastError ?? '', transition?.reason ?? ''];
  const cause = transition?.cause;
  if (cause === 'gone') {
    const words = cutOffWords(provider, reasons);
    if (words) return { ...base, cause: 'cut_off', message: words };
    return {
      ...base,
      cause: 'gone',
      message: 'Disabled at once: the destination answered that it no longer exists (gone).',
    };
  }
  if (cause === 'kept_failing') {
    const n = health.failedDeliveries;
    const over =
      health.failingSince && transition
        ? ` over ${spanWords(Date.parse(transition.at) - Date.parse(health.failingSince))}`
        : '';
    return {
      ...base,
      cause: 'kept_failing',
      message: `Disabled after ${n} failed ${n === 1 ? 'delivery' : 'deliveries'}${over} of failing.`,
    };
  }
  return { ...base, cause: 'other', message: `Disabled: ${transition?.reason ?? 'by its health'}.` };
}
