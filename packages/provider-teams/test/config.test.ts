import { describe, expect, it } from 'vitest';
import teams, { maskTeamsSecret, teamsConfigSchema, teamsUrlKind } from '../src/index.js';
import { LEGACY_TOKEN, LEGACY_URL, WORKFLOWS_SIG, WORKFLOWS_URL } from './fixtures.js';

describe('teams provider — config', () => {
  it('declares itself as the plugin contract asks', () => {
    expect(teams).toMatchObject({
      type: 'teams',
      displayName: 'Microsoft Teams',
      secretFields: ['url'],
      rateLimit: { count: 4, perMs: 1000 },
    });
    expect(teams.setupHelp).toContain('Post to a channel when a webhook request is received');
  });

  it('accepts http(s) URLs, trimmed', () => {
    expect(teamsConfigSchema.parse({ url: ` ${WORKFLOWS_URL}\n` })).toEqual({ url: WORKFLOWS_URL });
    expect(teamsConfigSchema.safeParse({ url: 'http://127.0.0.1:9999/teams' }).success).toBe(true);
  });

  it.each(['ftp://files.example.com/hook', 'not a url', 'https://x.logic.azure.com/a b', ''])(
    'rejects %j without quoting it',
    (url) => {
      const result = teamsConfigSchema.safeParse({ url });
      expect(result.success).toBe(false);
      if (!result.success && url !== '') {
        expect(JSON.stringify(result.error.issues)).not.toContain(url);
      }
    },
  );

  it.each([
    [LEGACY_URL, 'legacy'],
    ['https://outlook.office.com/webhook/abc@def/IncomingWebhook/123/456', 'legacy'],
    ['https://outlook.office.com/webhookb2/abc@def/IncomingWebhook/123/456', 'legacy'],
    ['https://OUTLOOK.OFFICE.COM/webhook/abc', 'legacy'],
    [WORKFLOWS_URL, 'workflows'],
    [
      'https://default0000.0a.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/1/triggers/manual/paths/invoke',
      'workflows',
    ],
    ['https://api.powerautomate.com/webhook/abc', 'workflows'],
    ['https://outlook.office.com/mail/inbox', 'workflows'],
    ['https://webhook.office.com.evil.example/webhookb2/x', 'workflows'],
    ['https://evil.example/contoso.webhook.office.com/x', 'workflows'],
    ['http://127.0.0.1:9999/teams', 'workflows'],
  ])('reads %s as a %s URL', (url, kind) => {
    expect(teamsUrlKind(url)).toBe(kind);
  });

  it('masks the URL down to scheme and host', () => {
    expect(maskTeamsSecret('url', WORKFLOWS_URL)).toBe('https://prod-42.westeurope.logic.azure.com/…/****');
    expect(maskTeamsSecret('url', LEGACY_URL)).toBe('https://contoso.webhook.office.com/…/****');
    expect(maskTeamsSecret('url', WORKFLOWS_URL)).not.toContain(WORKFLOWS_SIG);
    expect(maskTeamsSecret('url', LEGACY_URL)).not.toContain(LEGACY_TOKEN);
    expect(maskTeamsSecret('url', 'garbage')).toBe('****');
    expect(maskTeamsSecret('other', 'anything')).toBe('****');
  });
});
