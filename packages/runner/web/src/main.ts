import { createApi } from './api.js';
import type { Context, ToastKind, View } from './context.js';
import { fill, h, ICONS, icon } from './dom.js';
import { links, parseRoute } from './router.js';
import type { EventTypeInfo, Page, ProviderInfo } from './types.js';
import { empty, linkButton } from './ui.js';
import { deliveryView } from './views/delivery-page.js';
import { eventsView } from './views/events-page.js';
import { integrationFormView } from './views/integration-form.js';
import { integrationView } from './views/integration-page.js';
import { integrationsView } from './views/integrations-list.js';
import { signInView } from './views/sign-in.js';

/** Where the key lives: this tab's session only (closing the tab signs out). */
const KEY_STORAGE = 'herald.apiKey';
const TOAST_MS = 4_000;
const MAX_TOASTS = 3;

const root = document.getElementById('app')!;
let current: View | null = null;
let session: Context | null = null;

function toast(message: string, kind: ToastKind = 'info'): void {
  const region = document.getElementById('toasts')!;
  const el = h(
    'div',
    { class: `toast toast-${kind}` },
    icon(kind === 'error' ? ICONS.alert : ICONS.check),
    message,
  );
  // A few at a time: the oldest gives way.
  while (region.children.length >= MAX_TOASTS) region.firstElementChild?.remove();
  region.appendChild(el);
  window.setTimeout(() => el.remove(), TOAST_MS);
}

function signOut(notice?: string): void {
  sessionStorage.removeItem(KEY_STORAGE);
  session = null;
  render(notice);
}

function contextFor(key: string): Context {
  let providers: Promise<ProviderInfo[]> | null = null;
  let eventTypes: Promise<EventTypeInfo[]> | null = null;
  const api = createApi(key, () => signOut('Your API key is no longer valid. Sign in again.'));
  return {
    api,
    providers: () => {
      providers ??= api.get<Page<ProviderInfo>>('/v1/providers').then((p) => p.items);
      providers.catch(() => {
        providers = null;
      });
      return providers;
    },
    eventTypes: () => {
      eventTypes ??= api.get<Page<EventTypeInfo>>('/v1/event-types').then((p) => p.items);
      eventTypes.catch(() => {
        eventTypes = null;
      });
      return eventTypes;
    },
    navigate: (hash) => {
      if (location.hash === hash) render();
      else location.hash = hash;
    },
    toast,
    flash: new Map(),
    setTitle: (title) => {
      document.title = `${title} · Herald`;
    },
  };
}

function shell(content: HTMLElement, section: 'integrations' | 'events'): HTMLElement {
  const nav = (href: string, label: string, here: boolean) =>
    h('a', { href, 'aria-current': here ? 'page' : undefined, id: `nav-${label.toLowerCase()}` }, label);
  return h(
    'div',
    { class: 'shell' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: links.integrations() },
        h('img', { src: '/assets/icon.svg', alt: '', width: 24, height: 24 }),
        'Herald',
      ),
      h(
        'nav',
        { class: 'topnav', 'aria-label': 'Main' },
        nav(links.integrations(), 'Integrations', section === 'integrations'),
        nav(links.events(), 'Events', section === 'events'),
      ),
      h(
        'button',
        { type: 'button', class: 'btn btn-ghost signout', id: 'sign-out', onclick: () => signOut() },
        icon(ICONS.logout),
        h('span', { class: 'signout-label' }, 'Sign out'),
      ),
    ),
    h('main', { id: 'main', class: 'main', tabindex: -1 }, content),
  );
}

function viewFor(ctx: Context): View {
  const route = parseRoute(location.hash);
  switch (route.name) {
    case 'integrations':
      return integrationsView(ctx);
    case 'new':
      return integrationFormView(ctx, null);
    case 'edit':
      return integrationFormView(ctx, route.id);
    case 'integration':
      return integrationView(ctx, route.id);
    case 'delivery':
      return deliveryView(ctx, route.id, route.deliveryId);
    case 'events':
      return eventsView(ctx);
    default:
      ctx.setTitle('Not found');
      return {
        el: empty(
          'Page not found',
          'There is nothing at this address.',
          linkButton(links.integrations(), 'Back to integrations', 'primary', ICONS.back),
        ),
      };
  }
}

function render(notice?: string): void {
  current?.dispose?.();
  current = null;
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (!key) {
    document.title = 'Sign in · Herald';
    fill(
      root,
      signInView((k) => {
        sessionStorage.setItem(KEY_STORAGE, k);
        session = contextFor(k);
        render();
      }, notice),
    );
    document.getElementById('api-key')?.focus();
    return;
  }
  session ??= contextFor(key);
  current = viewFor(session);
  fill(root, shell(current.el, parseRoute(location.hash).name === 'events' ? 'events' : 'integrations'));
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', () => render());
root.after(h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' }));
render();
