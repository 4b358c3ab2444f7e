import { ApiError, unwrap } from '../api.js';
import type { Context } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import type { Integration, ProviderInfo } from '../types.js';
import { busy, button, callout, card, copyable } from '../ui.js';

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
  const rotate = async (e: Event) => {
    try {
      const res = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          ctx.api.POST('/v1/integrations/{id}/rotate-secret', {
            params: { path: { id: i.id } },
            body: { kind: 'signingSecret', keepPrevious: true },
          }),
        ),
      );
      const kept = active.length;
      const el = callout(
        'info',
        'Copy the new signing secret now: it will not be shown again',
        h(
          'p',
          null,
          kept === 0
            ? 'Requests are signed with it from now on (webhook-signature header, Standard Webhooks).'
            : `Requests now carry one signature per active secret: the new one and the ${kept} before it, until you drop the old ones.`,
        ),
        copyable(res.secret ?? '', 'New signing secret'),
      );
      el.id = 'new-signing-secret';
      fill(out, el);
      changed(res.integration);
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not make a signing secret', 'error');
    }
  };
  const dropOld = async (e: Event) => {
    try {
      // Secrets are newest first; a masked value sent back stands for the secret it masks.
      const next = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(
          ctx.api.PATCH('/v1/integrations/{id}', {
            params: { path: { id: i.id } },
            body: { config: { signingSecrets: active.slice(0, 1) } },
          }),
        ),
      );
      fill(out);
      ctx.toast('Old signing secrets dropped', 'success');
      changed(next);
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not drop the old secrets', 'error');
    }
  };
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
