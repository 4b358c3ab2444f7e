import type { Context } from '../context.js';
import { h, ICONS } from '../dom.js';
import type { Integration, ProviderInfo } from '../types.js';
import { button, callout, card, copyable } from '../ui.js';
import { dropOlderHandler, rotateHandler } from './rotation.js';

// A webhook's Standard Webhooks signing secrets, made and rotated by Herald (POST
// …/rotate-secret) instead of pasted: the new secret is shown once; the old ones stay
// active, one signature each, until dropped, so a receiver can switch without a gap.

/** True for a provider whose config carries signing secrets (the webhook's `signingSecrets`). */
export function signs(provider: ProviderInfo | undefined): boolean {
  return provider?.secretFields.includes('signingSecrets') ?? false;
}

/**
 * The "Signing secrets" panel: how many are active, generate (none yet) or rotate, drop the
 * old ones. `out` shows the new secret and outlives redraws; `changed` redraws the page.
 */
export function signingSecretCard(
  ctx: Context,
  i: Integration,
  out: HTMLElement,
  changed: (next: Integration) => void,
): HTMLElement {
  const active = Array.isArray(i.config.signingSecrets) ? (i.config.signingSecrets as string[]) : [];
  const target = { ctx, integration: i, out, changed };
  const rotate = rotateHandler(
    target,
    'signingSecret',
    (rotated) => {
      const kept = active.length;
      const note = callout(
        'info',
        'Copy the new signing secret now: it will not be shown again',
        h(
          'p',
          null,
          kept === 0
            ? 'Requests are signed with it from now on (webhook-signature header, Standard Webhooks).'
            : `Requests now carry one signature per active secret: the new one and the ${kept} before it, until you drop the old ones.`,
        ),
        copyable(rotated.secret ?? '', 'New signing secret'),
      );
      note.id = 'new-signing-secret';
      return note;
    },
    'Could not make a signing secret',
  );
  const dropOld = dropOlderHandler(target, 'signingSecrets', active, {
    done: 'Old signing secrets dropped',
    failure: 'Could not drop the old secrets',
  });
  const el = card(
    'Signing secrets',
    null,
    h(
      'p',
      { id: 'signing-count' },
      active.length === 0
        ? 'None: requests are not signed.'
        : `${active.length} active${active.length > 1 ? ': each request carries one signature per secret' : ''}.`,
    ),
    h(
      'div',
      { class: 'card-actions' },
      button(active.length === 0 ? 'Generate signing secret' : 'Rotate signing secret', rotate, {
        icon: ICONS.refresh,
        id: 'rotate-signing-secret',
      }),
      active.length > 1
        ? button('Drop old secrets', dropOld, { kind: 'ghost', icon: ICONS.trash, id: 'drop-old-secrets' })
        : null,
    ),
  );
  el.id = 'signing-secrets';
  return el;
}
