import { type Api, ApiError, unwrap } from '../api.js';
import type { Context } from '../context.js';
import { h, ICONS } from '../dom.js';
import type { ConnectAppInfo, ConnectInfo, Integration, ProviderInfo } from '../types.js';
import { busy, button, callout, linkButton } from '../ui.js';

// A provider's connect flow in the dashboard ("Add to Slack"), for any provider that
// declares one: whether this Herald offers it, the create form's panel, and the
// reinstall on an integration its destination cut off. Every text comes from the
// provider (GET /v1/providers); ids are `<type>-…`. The install itself happens on the
// destination's page: the dashboard asks the API for the link (with the key, which
// never goes in a URL) and sends this tab there.

/** A provider that has a connect flow. */
export type Connectable = ProviderInfo & { connect: ConnectInfo };

/** True when the provider has a connect flow. */
export function connectable(p: ProviderInfo | undefined): p is Connectable {
  return !!p?.connect;
}

const appInfo = new WeakMap<Api, Map<string, Promise<ConnectAppInfo>>>();

/** GET /v1/integrations/<type>/app, once per sign-in and type. */
export function connectApp(ctx: Context, p: Connectable): Promise<ConnectAppInfo> {
  const byType = appInfo.get(ctx.api) ?? new Map<string, Promise<ConnectAppInfo>>();
  appInfo.set(ctx.api, byType);
  let info = byType.get(p.type);
  if (!info) {
    // Each flow has its own paths (the built-in document lists Slack's); every one answers alike.
    const path = `/v1/integrations/${encodeURIComponent(p.type)}/app` as '/v1/integrations/slack/app';
    info = unwrap(ctx.api.GET(path)).catch(
      (): ConnectAppInfo => ({
        installAvailable: false,
        reason: `Herald could not say whether “${p.connect.installLabel}” is set up.`,
        clientId: null,
        redirectUri: null,
      }),
    );
    byType.set(p.type, info);
  }
  return info;
}

/** Starts an install (new: name, events, projects; reinstall: integrationId) and sends this tab to the destination. */
export async function goConnect(ctx: Context, type: string, body: Record<string, unknown>): Promise<void> {
  const { url } = await unwrap(
    ctx.api.POST(`/v1/integrations/${encodeURIComponent(type)}/install` as '/v1/integrations/slack/install', {
      body,
    }),
  );
  window.location.assign(url);
}

/** The create form's part when the flow is available: what will happen, and the way out. */
export function installPanel(p: Connectable, onManual: () => void): HTMLElement {
  const [first, ...more] = p.connect.steps;
  return h(
    'div',
    { class: 'field', id: `${p.type}-install` },
    h('span', { class: 'label' }, 'Connection'),
    first ? h('p', null, first) : null,
    h(
      'p',
      { class: 'hint' },
      more.map((s) => `${s} `),
      h(
        'button',
        { type: 'button', class: 'btn btn-ghost', id: `${p.type}-paste-instead`, onclick: onManual },
        p.connect.manualLabel,
      ),
    ),
  );
}

/** Above the pasted-config form: why the flow is not offered, or the way back to it. */
export function manualNote(p: Connectable, info: ConnectAppInfo, onInstall: () => void): HTMLElement {
  const label = p.connect.installLabel;
  if (!info.installAvailable)
    return h(
      'p',
      { class: 'hint', id: `${p.type}-install-unavailable` },
      `“${label}” is not available here: ${info.reason ?? 'it is not set up.'} ${p.connect.manualLabel}.`,
    );
  return h(
    'p',
    { class: 'hint' },
    h(
      'button',
      { type: 'button', class: 'btn btn-ghost', id: `${p.type}-install-instead`, onclick: onInstall },
      `Use “${label}” instead`,
    ),
  );
}

/** True when health disabled the integration for an answer that a reinstall fixes. */
export function cutOff(i: Integration, p: Connectable): boolean {
  const words = p.connect.cutOff?.fixes ?? [];
  if (i.health.state !== 'disabled' || words.length === 0) return false;
  const fixes = new RegExp(`\\b(${words.join('|')})\\b`);
  const reasons = [
    i.health.lastError ?? '',
    ...i.health.transitions.filter((t) => t.to === 'disabled').map((t) => t.reason),
  ];
  return reasons.some((r) => fixes.test(r));
}

function reinstall(ctx: Context, i: Integration) {
  return async (e: Event) => {
    try {
      await busy(e.currentTarget as HTMLButtonElement, () => goConnect(ctx, i.type, { integrationId: i.id }));
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not start the reinstall', 'error');
    }
  };
}

/** The notice of an integration its destination cut off: reinstall it (or, without the flow, edit it). */
export function reinstallNotice(
  ctx: Context,
  i: Integration,
  p: Connectable,
  info: ConnectAppInfo,
): HTMLElement | null {
  const { cutOff: text, reinstallLabel } = p.connect;
  if (!text) return null;
  const el = callout(
    'bad',
    text.title,
    h('p', null, `${text.cause} `, info.installAvailable ? text.reinstallFix : text.manualFix),
    i.health.lastError ? h('p', { class: 'mono small last-error-full' }, i.health.lastError) : null,
    h(
      'p',
      null,
      info.installAvailable
        ? button(reinstallLabel, reinstall(ctx, i), {
            kind: 'primary',
            id: `${p.type}-reinstall`,
            icon: ICONS.refresh,
          })
        : linkButton(
            `#/integrations/${encodeURIComponent(i.id)}/edit`,
            'Edit the integration',
            'primary',
            ICONS.edit,
          ),
    ),
  );
  el.id = `${p.type}-reinstall-notice`;
  return el;
}

/** For an enabled connected integration: connect it again, elsewhere (the same reinstall); null when not offered. */
export function changeButton(ctx: Context, i: Integration, p: Connectable): HTMLButtonElement | null {
  if (!p.connect.changeLabel) return null;
  return button(p.connect.changeLabel, reinstall(ctx, i), {
    kind: 'ghost',
    id: `${p.type}-change-channel`,
    icon: ICONS.refresh,
  });
}
