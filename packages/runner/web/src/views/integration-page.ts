import { ApiError, unwrap } from '../api.js';
import { type Context, poll, type View } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { eventsSummary, projectsSummary } from '../format.js';
import { links } from '../router.js';
import type { ConnectAppInfo, Integration, ProviderInfo } from '../types.js';
import {
  busy,
  button,
  callout,
  copyable,
  errorCallout,
  linkButton,
  loading,
  pageHead,
  stateBadge,
  toggle,
  typeMark,
} from '../ui.js';
import { changeButton, connectApp, connectable, cutOff, reinstallNotice } from './connect.js';
import { deliveriesPanel } from './deliveries-panel.js';
import { healthNotice, historyCard, settingsCard } from './integration-cards.js';
import { FLASH_KEY, type Flash } from './integration-form.js';
import { signingKeyCard, signsWithKeys } from './signing-key.js';
import { signingSecretCard, signs } from './signing-secret.js';
import { templatePane } from './template-card.js';
import { testResultPanel } from './test-result.js';

/** An open integration page refreshes its state and deliveries this often. */
export const PAGE_POLL_MS = 2_000;

/** `#/integrations/:id`: state and its history, settings, live deliveries, test, enable/disable. */
export function integrationView(ctx: Context, id: string): View {
  ctx.setTitle('Integration');
  const el = h('div', { class: 'page' }, loading());
  const flash = ctx.flash.get(FLASH_KEY) as Flash | undefined;
  if (flash?.id === id) ctx.flash.delete(FLASH_KEY);
  const deliveries = deliveriesPanel(ctx, id);
  const head = h('div');
  const notices = h('div', { class: 'notices' });
  const side = h('div', { class: 'side' });
  const testOut = h('div', { 'aria-live': 'polite' });
  // A new signing secret is shown here, once: it must outlive the side panel's redraws.
  const secretOut = h('div', { 'aria-live': 'polite' });
  const keyOut = h('div', { 'aria-live': 'polite' });
  const template = templatePane(ctx);
  let current: Integration | null = null;
  let shown = '';
  let appInfo: ConnectAppInfo | null = null;

  const setEnabled = async (next: boolean, sw: HTMLButtonElement) => {
    sw.disabled = true;
    try {
      current = await unwrap(
        ctx.api.POST(next ? '/v1/integrations/{id}/enable' : '/v1/integrations/{id}/disable', {
          params: { path: { id } },
        }),
      );
      ctx.toast(next ? 'Enabled' : 'Disabled', 'success');
      draw(current, await ctx.providers());
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not change it', 'error');
    } finally {
      sw.disabled = false;
    }
  };

  const sendTest = async (e: Event) => {
    try {
      const result = await busy(e.currentTarget as HTMLButtonElement, () =>
        unwrap(ctx.api.POST('/v1/integrations/{id}/test', { params: { path: { id } } })),
      );
      fill(testOut, testResultPanel(result));
      await deliveries.refresh();
    } catch (err) {
      fill(testOut, errorCallout(err, 'Test not sent'));
    }
  };

  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'delete-title' },
    h('h2', { id: 'delete-title' }, 'Delete this integration?'),
    h('p', null, 'It stops receiving events at once. Its delivery log expires with the retention.'),
    h(
      'form',
      { method: 'dialog', class: 'dialog-buttons' },
      h('button', { class: 'btn btn-ghost', value: 'cancel' }, 'Cancel'),
      h('button', { class: 'btn btn-danger', value: 'delete', id: 'confirm-delete' }, 'Delete'),
    ),
  );
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'delete') return;
    try {
      await unwrap(ctx.api.DELETE('/v1/integrations/{id}', { params: { path: { id } } }));
      ctx.toast(`${current?.name ?? 'Integration'} deleted`, 'success');
      ctx.navigate(links.integrations());
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not delete it', 'error');
    }
  });

  function draw(i: Integration, providers: ProviderInfo[]): void {
    const snapshot = JSON.stringify(i);
    if (snapshot === shown) return;
    shown = snapshot;
    current = i;
    ctx.setTitle(i.name);
    const provider = providers.find((p) => p.type === i.type);
    fill(
      head,
      pageHead(
        h(
          'span',
          { class: 'title-with-mark' },
          typeMark(i.type, provider?.displayName, false),
          i.name,
          stateBadge(i.state),
        ),
        {
          crumbs: [['Integrations', links.integrations()]],
          here: i.name,
          subtitle: `${provider?.displayName ?? i.type} · ${eventsSummary(i.events)} · ${projectsSummary(i.projects)}${i.ordered ? ' · In order' : ''}`,
          actions: [
            // One control that says what is true: a switch while it receives events, and on a
            // disabled one (by a user or by its health) the one action that helps.
            i.enabled
              ? h(
                  'span',
                  { class: 'switch-label' },
                  toggle(true, 'Integration enabled', setEnabled),
                  h('span', { id: 'enabled-label' }, 'Enabled'),
                )
              : button('Enable again', (e: Event) => setEnabled(true, e.currentTarget as HTMLButtonElement), {
                  kind: 'primary',
                  icon: ICONS.refresh,
                  id: 'enable-again',
                }),
            button('Send test', sendTest, { icon: ICONS.send, id: 'send-test' }),
            linkButton(links.edit(i.id), 'Edit', 'secondary', ICONS.edit),
          ],
        },
      ),
    );
    const flow = connectable(provider) && appInfo ? provider : null;
    fill(
      notices,
      flow && appInfo && cutOff(i, flow) ? reinstallNotice(ctx, i, flow, appInfo) : healthNotice(i),
    );
    const settings = settingsCard(i);
    settings.appendChild(
      h(
        'footer',
        { class: 'card-foot' },
        flow && appInfo?.installAvailable && i.state !== 'disabled' ? changeButton(ctx, i, flow) : null,
        button('Delete integration', () => dialog.showModal(), {
          kind: 'ghost',
          icon: ICONS.trash,
          id: 'delete',
        }),
      ),
    );
    fill(
      side,
      settings,
      signs(provider) ? signingSecretCard(ctx, i, secretOut, (next) => draw(next, providers)) : null,
      signsWithKeys(provider) ? signingKeyCard(ctx, i, keyOut, (next) => draw(next, providers)) : null,
      historyCard(i),
    );
  }

  const flashNotes =
    flash?.id === id
      ? [
          flash.generatedSecret
            ? callout(
                'info',
                'Copy the secret now: it will not be shown again',
                h(
                  'p',
                  null,
                  'Your endpoint receives it in the X-Herald-Notification-Integration-Token header.',
                ),
                copyable(flash.generatedSecret, 'Generated secret'),
              )
            : null,
          flash.generatedSigningSecret
            ? callout(
                'info',
                'Copy the signing secret now: it will not be shown again',
                h(
                  'p',
                  null,
                  'Every request carries webhook-id, webhook-timestamp and webhook-signature; verify them with this secret (Standard Webhooks).',
                ),
                copyable(flash.generatedSigningSecret, 'Generated signing secret'),
              )
            : null,
          flash.confirmation ? testResultPanel(flash.confirmation, undefined, 'Confirmation') : null,
        ]
      : [];

  const refresh = async () => {
    const [i, providers] = await Promise.all([
      unwrap(ctx.api.GET('/v1/integrations/{id}', { params: { path: { id } } })),
      ctx.providers(),
    ]);
    const provider = providers.find((p) => p.type === i.type);
    if (connectable(provider)) appInfo ??= await connectApp(ctx, provider);
    draw(i, providers);
    await template.show(i, provider, (next) => draw(next, providers));
  };

  Promise.all([refresh(), deliveries.refresh()])
    .then(() =>
      fill(
        el,
        head,
        h('div', { class: 'flash', id: 'flash' }, flashNotes),
        notices,
        testOut,
        secretOut,
        keyOut,
        h('div', { class: 'layout' }, h('div', { class: 'primary' }, deliveries.el, template.el), side),
        dialog,
      ),
    )
    .catch((err: unknown) => fill(el, errorCallout(err, 'Could not load this integration')));
  const poller = poll(
    () =>
      Promise.all([refresh(), deliveries.refresh()]).then(
        () => undefined,
        (err: unknown) => {
          // Deleted meanwhile (or never there): stop asking.
          if (err instanceof ApiError && err.status === 404) poller.stop();
        },
      ),
    PAGE_POLL_MS,
  );
  return { el, dispose: () => poller.stop() };
}
