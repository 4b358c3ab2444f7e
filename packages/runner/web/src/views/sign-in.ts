import { ApiError, verifyKey } from '../api.js';
import { h } from '../dom.js';
import { busy, button, callout } from '../ui.js';

/** Valid API keys look like `hk_<16 hex>_<secret>`; anything else is refused before a request. */
const KEY_SHAPE = /^hk_[0-9a-f]{16}_[A-Za-z0-9_-]{16,}$/;

/** The sign-in card: a team API key, checked against the API, kept for this tab only. */
export function signInView(onSignedIn: (key: string) => void, notice?: string): HTMLElement {
  const input = h('input', {
    class: 'input mono',
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'hk_…',
    'aria-describedby': 'api-key-help',
  });
  const message = h('div', { class: 'form-message', 'aria-live': 'polite' });
  if (notice) message.replaceChildren(callout('warn', notice));
  const submit = button('Sign in', null, { kind: 'primary', type: 'submit', id: 'sign-in' });
  const form = h(
    'form',
    {
      class: 'signin-form',
      novalidate: true,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!KEY_SHAPE.test(key)) {
          message.replaceChildren(
            callout('bad', 'That is not an API key', h('p', null, 'Keys start with hk_.')),
          );
          input.focus();
          return;
        }
        try {
          const verdict = await busy(submit, () => verifyKey(key));
          if (verdict === 'ok') onSignedIn(key);
          else {
            message.replaceChildren(
              callout('bad', 'This key was not accepted', h('p', null, 'It may be mistyped or revoked.')),
            );
            input.select();
          }
        } catch (err) {
          const text = err instanceof ApiError ? err.message : 'Unexpected error; try again.';
          message.replaceChildren(callout('bad', 'Could not sign in', h('p', null, text)));
        }
      },
    },
    h('label', { class: 'label', for: 'api-key' }, 'Team API key'),
    input,
    h(
      'p',
      { class: 'hint', id: 'api-key-help' },
      'Create one with ',
      h('code', null, 'pnpm herald keys create --team <id>'),
      '. It stays in this tab only and is forgotten when you close it.',
    ),
    message,
    submit,
  );
  return h(
    'div',
    { class: 'signin' },
    h(
      'div',
      { class: 'signin-card' },
      h('img', { src: '/assets/icon.svg', alt: '', width: 40, height: 40, class: 'signin-logo' }),
      h('h1', null, 'Sign in to Herald'),
      h('p', { class: 'subtitle' }, 'See where your team’s events go, and what happened to each one.'),
      form,
    ),
  );
}
