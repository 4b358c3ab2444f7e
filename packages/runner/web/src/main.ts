import { createApi, unwrap } from './api.js';
import type { Context, ToastKind, View } from './context.js';
import { fill, h, ICONS, icon } from './dom.js';
import { links, parseRoute } from './router.js';
import type { EventTypeInfo, ProviderInfo } from './types.js';
import { empty, linkButton } from './ui.js';
import { deliveryView } from './views/delivery-page.js';
import { eventsView } from './views/events-page.js';
import { integrationFormView } from './views/integration-form.js';
import { integrationView } from './views/integration-page.js';
import { integrationsView } from './views/integrations-list.js';
import { signInView } from './views/sign-in.js';

/** Where the key lives: this tab's session only (closing the tab signs out). */
const KEY_STORAGE = 'herald.apiKey';
/** A portal link opens the dashboard as `/#portal=<token>`: the token is then the key. */
const PORTAL_HASH = '#portal=';
const TOAST_MS = 4_000;
const MAX_TOASTS = 3;

/**
 * This tab's session storage or, where the browser refuses it (a third-party iframe with
 * third-party storage blocked, as in private windows), memory: the page then keeps the key
 * until it is reloaded.
 */
const store: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = (() => {
  try {
    sessionStorage.getItem(KEY_STORAGE);
    return sessionStorage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (k: string) => memory.get(k) ?? null,
      setItem: (k: string, v: string) => void memory.set(k, v),
      removeItem: (k: string) => void memory.delete(k),
    };
  }
})();

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

/** What a portal token says of itself (signed, not secret; the API enforces it): null for an API key. */
function portalScopeOf(key: string): { integrationId: string | null; readOnly: boolean } | null {
  if (!key.startsWith('hp_')) return null;
  try {
    const body = key.slice(3).split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/');
    const payload = JSON.parse(atob(body)) as { i?: unknown; ro?: unknown };
    return { integrationId: typeof payload.i === 'string' ? payload.i : null, readOnly: payload.ro === true };
  } catch {
    return { integrationId: null, readOnly: true };
  }
}

/** Takes a portal token out of the address (so it is not bookmarked or shared by accident) into the session. */
function adoptPortalLink(): void {
  if (!location.hash.startsWith(PORTAL_HASH)) return;
  const token = decodeURIComponent(location.hash.slice(PORTAL_HASH.length));
  store.setItem(KEY_STORAGE, token);
  session = null;
  const scope = portalScopeOf(token);
  const start = scope?.integrationId ? links.integration(scope.integrationId) : links.integrations();
  history.replaceState(null, '', `${location.pathname}${location.search}${start}`);
}

function signOut(notice?: string): void {
  store.removeItem(KEY_STORAGE);
  session = null;
  render(notice);
}

function contextFor(key: string): Context {
  let providers: Promise<ProviderInfo[]> | null = null;
  let eventTypes: Promise<EventTypeInfo[]> | null = null;
  const api = createApi(key, () =>
    signOut(
      portalScopeOf(key)
        ? 'This portal link has expired or was revoked. Ask for a new one.'
        : 'Your API key is no longer valid. Sign in again.',
    ),
  );
  return {
    api,
    providers: () => {
      providers ??= unwrap(api.GET('/v1/providers')).then((p) => p.items);
      providers.catch(() => {
        providers = null;
      });
      return providers;
    },
    eventTypes: () => {
      eventTypes ??= unwrap(api.GET('/v1/event-types')).then((p) => p.items);
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

function shell(
  content: HTMLElement,
  section: 'integrations' | 'events',
  scope: ReturnType<typeof portalScopeOf>,
): HTMLElement {
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
        // The events log shows the whole team: not for a link scoped to one integration.
        scope?.integrationId ? null : nav(links.events(), 'Events', section === 'events'),
      ),
      scope
        ? h(
            'span',
            { class: 'portal-badge', id: 'portal-badge' },
            scope.readOnly ? 'Portal link · read-only' : 'Portal link',
          )
        : null,
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

function viewFor(ctx: Context, readOnly: boolean): View {
  const route = parseRoute(location.hash);
  if (readOnly && (route.name === 'new' || route.name === 'edit')) {
    ctx.setTitle('Read-only');
    return {
      el: empty(
        'This link is read-only',
        'It shows integrations and their deliveries; it cannot change them.',
        linkButton(links.integrations(), 'Back to integrations', 'primary', ICONS.back),
      ),
    };
  }
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
  adoptPortalLink();
  const key = store.getItem(KEY_STORAGE);
  const scope = key ? portalScopeOf(key) : null;
  // Write actions are hidden by the stylesheet (base.css); the API refuses them anyway.
  document.documentElement.toggleAttribute('data-readonly', scope?.readOnly ?? false);
  if (!key) {
    document.title = 'Sign in · Herald';
    fill(
      root,
      signInView((k) => {
        store.setItem(KEY_STORAGE, k);
        session = contextFor(k);
        render();
      }, notice),
    );
    document.getElementById('api-key')?.focus();
    return;
  }
  session ??= contextFor(key);
  current = viewFor(session, scope?.readOnly ?? false);
  const section = parseRoute(location.hash).name === 'events' ? 'events' : 'integrations';
  fill(root, shell(current.el, section, scope));
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', () => render());
root.after(h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' }));
render();
