import { type Api, ApiError } from '../api.js';
import type { Context } from '../context.js';
import { h, ICONS } from '../dom.js';
import type { Integration, SlackAppInfo } from '../types.js';
import { busy, button, callout, linkButton } from '../ui.js';

// "Add to Slack" in the dashboard: whether this Herald offers it, the create form's
// Slack panel, and "Reinstall to Slack" on an integration that Slack cut off.
// The install itself happens on Slack's page: the dashboard asks the API for the link
// (with the key, which never goes in a URL) and sends this tab there.

/** Slack's answers that mean the webhook or its channel is gone: a reinstall gives a new one. */
const REINSTALL_FIXES = /\b(no_service|channel_not_found|channel_is_archived|invalid_token)\b/;

const appInfo = new WeakMap<Api, Promise<SlackAppInfo>>();

/** GET /v1/integrations/slack/app, once per sign-in. */
export function slackApp(ctx: Context): Promise<SlackAppInfo> {
  let info = appInfo.get(ctx.api);
  if (!info) {
    info = ctx.api.get<SlackAppInfo>('/v1/integrations/slack/app').catch(
      (): SlackAppInfo => ({
        installAvailable: false,
        reason: 'Herald could not say whether "Add to Slack" is set up.',
        clientId: null,
        redirectUri: null,
      }),
    );
    appInfo.set(ctx.api, info);
  }
  return info;
}

/** Starts an install (new: name, events, projects; reinstall: integrationId) and sends this tab to Slack. */
export async function goToSlack(ctx: Context, body: Record<string, unknown>): Promise<void> {
  const { url } = await ctx.api.post<{ url: string }>('/v1/integrations/slack/install', body);
  window.location.assign(url);
}

/** The create form's Slack part when the install is available: what will happen, and the way out. */
export function slackInstallPanel(onPaste: () => void): HTMLElement {
  return h(
    'div',
    { class: 'field', id: 'slack-install' },
    h('span', { class: 'label' }, 'Channel'),
    h(
      'p',
      null,
      'When you click “Add to Slack”, Herald takes you to Slack: pick the workspace and the channel, click Allow, and you come back to the new integration. Herald posts a test message to confirm it.',
    ),
    h(
      'p',
      { class: 'hint' },
      'You may need to be allowed to install apps in the workspace. ',
      h(
        'button',
        { type: 'button', class: 'btn btn-ghost', id: 'slack-paste-instead', onclick: onPaste },
        'Paste a webhook URL instead',
      ),
    ),
  );
}

/** Above the pasted-URL form: why there is no "Add to Slack", or the way back to it. */
export function slackPasteNote(info: SlackAppInfo, onInstall: () => void): HTMLElement {
  if (!info.installAvailable)
    return h(
      'p',
      { class: 'hint', id: 'slack-install-unavailable' },
      `“Add to Slack” is not available here: ${info.reason ?? 'no Slack app is configured.'} Paste an incoming webhook URL instead.`,
    );
  return h(
    'p',
    { class: 'hint' },
    h(
      'button',
      { type: 'button', class: 'btn btn-ghost', id: 'slack-install-instead', onclick: onInstall },
      'Use “Add to Slack” instead',
    ),
  );
}

/** True when Slack said the webhook or its channel is gone, and health disabled the integration for it. */
export function cutOffBySlack(i: Integration): boolean {
  if (i.type !== 'slack' || i.health.state !== 'disabled') return false;
  const reasons = [
    i.health.lastError ?? '',
    ...i.health.transitions.filter((t) => t.to === 'disabled').map((t) => t.reason),
  ];
  return reasons.some((r) => REINSTALL_FIXES.test(r));
}

function reinstall(ctx: Context, id: string) {
  return async (e: Event) => {
    try {
      await busy(e.currentTarget as HTMLButtonElement, () => goToSlack(ctx, { integrationId: id }));
    } catch (err) {
      ctx.toast(err instanceof ApiError ? err.message : 'Could not start the reinstall', 'error');
    }
  };
}

/** The notice of a Slack integration that Slack cut off: reinstall it (or, without the app, paste a new URL). */
export function reinstallNotice(ctx: Context, i: Integration, info: SlackAppInfo): HTMLElement {
  const el = callout(
    'bad',
    'Slack no longer accepts this integration’s messages',
    h(
      'p',
      null,
      'The app was removed from the channel, or the channel was archived or deleted. ',
      info.installAvailable
        ? 'Reinstall it to pick a channel again; the integration is enabled as soon as Slack allows it.'
        : 'Create a new incoming webhook in Slack, paste its URL with Edit, then enable the integration.',
    ),
    i.health.lastError ? h('p', { class: 'mono small last-error-full' }, i.health.lastError) : null,
    info.installAvailable
      ? h(
          'p',
          null,
          button('Reinstall to Slack', reinstall(ctx, i.id), {
            kind: 'primary',
            id: 'slack-reinstall',
            icon: ICONS.refresh,
          }),
        )
      : h(
          'p',
          null,
          linkButton(
            `#/integrations/${encodeURIComponent(i.id)}/edit`,
            'Edit the URL',
            'primary',
            ICONS.edit,
          ),
        ),
  );
  el.id = 'slack-reinstall-notice';
  return el;
}

/** For a healthy Slack integration: send it to another channel (the same reinstall). */
export function changeChannelButton(ctx: Context, i: Integration): HTMLButtonElement {
  return button('Change channel in Slack', reinstall(ctx, i.id), {
    kind: 'ghost',
    id: 'slack-change-channel',
    icon: ICONS.refresh,
  });
}
