import type { Context } from '../context.js';
import { h, ICONS } from '../dom.js';
import type { Integration, ProviderInfo } from '../types.js';
import { button, callout, card, copyable } from '../ui.js';
import { dropOlderHandler, rotateHandler } from './rotation.js';

// A webhook's ed25519 signing keys (Standard Webhooks `v1a`), made and rotated by Herald
// (POST …/rotate-secret, kind signingKey). Herald keeps the private keys; reads show each as
// its whpk_ public key, which is all a receiver needs — so the public keys stay on the page.

/** True for a provider whose config carries ed25519 signing keys (the webhook's `signingKeys`). */
export function signsWithKeys(provider: ProviderInfo | undefined): boolean {
  return provider?.secretFields.includes('signingKeys') ?? false;
}

/**
 * The "Signing keys" panel: the active public keys (newest first), generate or rotate, drop
 * the old ones. `out` holds the note after a rotation; `changed` redraws the page.
 */
export function signingKeyCard(
  ctx: Context,
  i: Integration,
  out: HTMLElement,
  changed: (next: Integration) => void,
): HTMLElement {
  // Reads show each private key as its public key.
  const publicKeys = Array.isArray(i.config.signingKeys) ? (i.config.signingKeys as string[]) : [];
  const target = { ctx, integration: i, out, changed };
  const rotate = rotateHandler(
    target,
    'signingKey',
    (rotated) => {
      const kept = publicKeys.length;
      const note = callout(
        'info',
        'Give your receiver the new public key',
        h(
          'p',
          null,
          kept === 0
            ? 'Requests now carry a v1a (ed25519) signature in webhook-signature; verify it with this public key.'
            : `Requests now carry one v1a signature per active key: the new one and the ${kept} before it, until you drop the old ones.`,
        ),
        copyable(rotated.publicKey ?? '', 'New public key'),
      );
      note.id = 'new-signing-key';
      return note;
    },
    'Could not make a signing key',
  );
  const dropOld = dropOlderHandler(target, 'signingKeys', publicKeys, {
    done: 'Old signing keys dropped',
    failure: 'Could not drop the old keys',
  });
  const el = card(
    'Signing keys',
    null,
    h(
      'p',
      { id: 'signing-key-count' },
      publicKeys.length === 0
        ? 'None: no v1a (ed25519) signature is sent.'
        : `${publicKeys.length} active${publicKeys.length > 1 ? ': each request carries one v1a signature per key' : ''}. Receivers verify with the public key; the private key never leaves Herald.`,
    ),
    publicKeys.length > 0
      ? h(
          'div',
          { class: 'public-keys' },
          publicKeys.map((key, n) => copyable(key, n === 0 ? 'Public key' : `Previous public key ${n}`)),
        )
      : null,
    h(
      'div',
      { class: 'card-actions' },
      button(publicKeys.length === 0 ? 'Generate signing key' : 'Rotate signing key', rotate, {
        icon: ICONS.key,
        id: 'rotate-signing-key',
      }),
      publicKeys.length > 1
        ? button('Drop old keys', dropOld, { kind: 'ghost', icon: ICONS.trash, id: 'drop-old-keys' })
        : null,
    ),
  );
  el.id = 'signing-keys';
  return el;
}
