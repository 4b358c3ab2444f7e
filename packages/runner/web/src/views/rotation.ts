import { ApiError, unwrap } from '../api.js';
import type { Context } from '../context.js';
import { fill } from '../dom.js';
import type { Integration } from '../types.js';
import { busy } from '../ui.js';

// What the signing-secret and signing-key cards share: rotate a credential (keeping the
// ones before it active, so a receiver can switch without a gap) and drop all but the
// newest. The cards differ only in their words and in what they show of the new value.

/** Where a card shows its notes and how it redraws the page. */
export interface RotationTarget {
  ctx: Context;
  integration: Integration;
  /** Holds the note after a rotation; outlives redraws. */
  out: HTMLElement;
  changed: (next: Integration) => void;
}

type Rotated = { integration: Integration; secret?: string; publicKey?: string };

/** A click handler: rotates `kind`, then shows `note(answer)` in the target's `out`. */
export function rotateHandler(
  t: RotationTarget,
  kind: 'signingSecret' | 'signingKey',
  note: (rotated: Rotated) => HTMLElement,
  failure: string,
): (e: Event) => Promise<void> {
  return async (e) => {
    try {
      const res = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          t.ctx.api.POST('/v1/integrations/{id}/rotate-secret', {
            params: { path: { id: t.integration.id } },
            body: { kind, keepPrevious: true },
          }),
        ),
      );
      fill(t.out, note(res));
      t.changed(res.integration);
    } catch (err) {
      t.ctx.toast(err instanceof ApiError ? err.message : failure, 'error');
    }
  };
}

/**
 * A click handler: keeps only the newest of `values` in the config's `field` (values are
 * newest first; one read back, masked or public, stands for the secret it was read as).
 */
export function dropOlderHandler(
  t: RotationTarget,
  field: 'signingSecrets' | 'signingKeys',
  values: string[],
  words: { done: string; failure: string },
): (e: Event) => Promise<void> {
  return async (e) => {
    try {
      const next = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          t.ctx.api.PATCH('/v1/integrations/{id}', {
            params: { path: { id: t.integration.id } },
            body: { config: { [field]: values.slice(0, 1) } },
          }),
        ),
      );
      fill(t.out);
      t.ctx.toast(words.done, 'success');
      t.changed(next);
    } catch (err) {
      t.ctx.toast(err instanceof ApiError ? err.message : words.failure, 'error');
    }
  };
}
