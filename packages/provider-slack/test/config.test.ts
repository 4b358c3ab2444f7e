import { assertProvider } from '@herald/core';
import { describe, expect, it } from 'vitest';
import slack, { maskSlackSecret, slackConfigSchema } from '../src/index.js';
import { WEBHOOK_TOKEN, WEBHOOK_URL } from './fixtures.js';

describe('slack config — the webhook URL', () => {
  it('accepts a Slack incoming webhook URL', () => {
    expect(slackConfigSchema.parse({ url: WEBHOOK_URL })).toEqual({ url: WEBHOOK_URL });
  });

  it('accepts a plain-http local imitation, for tests', () => {
    expect(slackConfigSchema.safeParse({ url: 'http://127.0.0.1:4010/services/T/B/x' }).success).toBe(true);
  });

  it('trims the whitespace a paste brings along', () => {
    expect(slackConfigSchema.parse({ url: ` ${WEBHOOK_URL}\n` })).toEqual({ url: WEBHOOK_URL });
  });

  it.each([
    ['another scheme', `ftp://hooks.slack.com/services/T/B/${WEBHOOK_TOKEN}`],
    ['not a URL', WEBHOOK_TOKEN],
    ['a space inside', `${WEBHOOK_URL} ${WEBHOOK_TOKEN}`],
    ['nothing', ''],
  ])('rejects %s, without quoting it', (_what, url) => {
    const result = slackConfigSchema.safeParse({ url });
    expect(result.success).toBe(false);
    const messages = JSON.stringify(result.error?.issues.map((i) => i.message));
    expect(messages).not.toContain(WEBHOOK_TOKEN);
    expect(result.error?.issues[0]?.path).toEqual(['url']);
  });

  it('rejects a config without a URL', () => {
    expect(slackConfigSchema.safeParse({}).success).toBe(false);
  });
});

describe('slack config — masking', () => {
  it('keeps the host and hides the token path', () => {
    const masked = maskSlackSecret('url', WEBHOOK_URL);
    expect(masked).toBe('https://hooks.slack.com/…/****');
    expect(masked).not.toContain(WEBHOOK_TOKEN);
    expect(masked).not.toContain('T0HERALD1');
  });

  it('hides a value that is not a URL entirely', () => {
    expect(maskSlackSecret('url', WEBHOOK_TOKEN)).toBe('****');
  });

  it('is the mask the provider declares', () => {
    expect(slack.maskSecret?.('url', WEBHOOK_URL)).toBe('https://hooks.slack.com/…/****');
  });
});

describe('slack provider — declaration', () => {
  it('is a valid Herald provider named Slack, with the URL secret', () => {
    expect(assertProvider(slack)).toBe(slack);
    expect(slack.type).toBe('slack');
    expect(slack.displayName).toBe('Slack');
    expect(slack.secretFields).toEqual(['url']);
  });

  it('paces each webhook at one message per second', () => {
    expect(slack.rateLimit).toEqual({ count: 1, perMs: 1000 });
  });

  it('tells the user where to get an incoming webhook URL', () => {
    expect(slack.setupHelp).toContain('Incoming Webhooks');
    expect(slack.setupHelp).toContain('https://hooks.slack.com/services/');
  });
});
