import { exampleEvent, type HeraldEvent, type Severity, summarize } from '@herald/core';
import { conformanceNotification } from '@herald/core/testing';
import { describe, expect, it } from 'vitest';
import discord, {
  buildEmbed,
  COLOR_ALERT_ORANGE,
  COLOR_FAILURE_RED,
  COLOR_INFO_GREY,
  COLOR_PROGRESS_BLUE,
  COLOR_SUCCESS_GREEN,
  type DiscordMessage,
  executeUrl,
  FOOTER_SCOPE_MAX_CHARS,
  renderDiscord,
} from '../src/index.js';

const WEBHOOK = 'https://discord.com/api/webhooks/112233445566778899/tok_en-123';

function messageOf(event: HeraldEvent, url = WEBHOOK): DiscordMessage {
  return JSON.parse(renderDiscord(conformanceNotification(event), { url }).body) as DiscordMessage;
}

describe('discord render — request', () => {
  it('posts JSON to the webhook URL with wait=true', () => {
    const request = renderDiscord(conformanceNotification(exampleEvent('build:start')), { url: WEBHOOK });
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${WEBHOOK}?wait=true`);
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('keeps an existing query such as thread_id when adding wait=true', () => {
    const url = new URL(executeUrl(`${WEBHOOK}?thread_id=998877`));
    expect(url.pathname).toBe('/api/webhooks/112233445566778899/tok_en-123');
    expect(url.searchParams.get('thread_id')).toBe('998877');
    expect(url.searchParams.get('wait')).toBe('true');
  });

  it('overrides wait=false, so Discord always reports errors', () => {
    const url = new URL(executeUrl(`${WEBHOOK}?wait=false`));
    expect(url.searchParams.getAll('wait')).toEqual(['true']);
  });

  it('is the provider default export, with Discord pacing', () => {
    expect(discord.type).toBe('discord');
    expect(discord.displayName).toBe('Discord');
    expect(discord.rateLimit).toEqual({ count: 5, perMs: 2_000 });
    expect(discord.secretFields).toEqual(['url']);
    expect(discord.setupHelp).toContain('Copy Webhook URL');
  });
});

describe('discord render — message', () => {
  it('lets event text ping nobody', () => {
    const event = exampleEvent('alert:container-crashed');
    event.data.alert.message = '@everyone <@&123> the container died';
    const message = messageOf(event);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds?.[0]?.description).toBe('@everyone <@&123> the container died');
  });

  it('sends exactly one embed with title, link, text, time and a footer naming the scope', () => {
    const message = messageOf(exampleEvent('build:failure'));
    expect(message.embeds).toHaveLength(1);
    const embed = message.embeds![0]!;
    expect(embed.title).toBe('Build failed: Website');
    expect(embed.url).toBe(
      'https://app.example.com/acme/personal-blog/services/website/builds/social-hour-1312',
    );
    expect(embed.description).toBe('Build social-hour-1312 of Website on master failed.');
    expect(embed.timestamp).toBe('2026-11-27T09:04:40.916Z');
    expect(embed.footer).toEqual({ text: 'Herald · Personal Blog' });
  });

  it('keeps a long scope name to a short footer line', () => {
    const event = exampleEvent('build:failure');
    event.data.project.name = 'P'.repeat(500);
    const footer = messageOf(event).embeds?.[0]?.footer?.text ?? '';
    expect(footer).toBe(`Herald · ${'P'.repeat(FOOTER_SCOPE_MAX_CHARS - 1)}…`);
  });

  it('shows the title once: in the embed, with no content repeating it', () => {
    const event = exampleEvent('build:failure');
    event.data.service.name = 'Web\nsite';
    const message = messageOf(event);
    expect(message).not.toHaveProperty('content');
    expect(message.embeds?.[0]?.title).toBe('Build failed: Web site');
    expect(JSON.stringify(message).split('Build failed: Web site')).toHaveLength(2);
  });

  it('leaves out the link when the event has none or it is not http(s)', () => {
    expect(messageOf(exampleEvent('integration:disabled')).embeds?.[0]).not.toHaveProperty('url');
    const event = exampleEvent('build:failure');
    event.data.build.url = 'ftp://files.example.com/build.log';
    expect(messageOf(event).embeds?.[0]).not.toHaveProperty('url');
  });

  it('lays short fields inline and long ones full width', () => {
    const event = exampleEvent('integration:disabled');
    const fields = messageOf(event).embeds?.[0]?.fields ?? [];
    expect(fields.find((f) => f.name === 'State')).toEqual({
      name: 'State',
      value: 'disabled',
      inline: true,
    });
    expect(fields.find((f) => f.name === 'Reason')?.inline).toBe(false);
  });

  it('replaces a blank field value, which Discord would refuse', () => {
    const summary = { ...summarize(exampleEvent('build:start')), fields: [{ label: 'Note', value: '  ' }] };
    expect(buildEmbed(summary).fields).toEqual([{ name: 'Note', value: '—', inline: true }]);
  });

  it.each<[Severity, number]>([
    ['success', COLOR_SUCCESS_GREEN],
    ['failure', COLOR_FAILURE_RED],
    ['progress', COLOR_PROGRESS_BLUE],
    ['alert', COLOR_ALERT_ORANGE],
    ['info', COLOR_INFO_GREY],
  ])('colours a %s event %i', (severity, color) => {
    const summary = { ...summarize(exampleEvent('build:start')), severity };
    expect(buildEmbed(summary).color).toBe(color);
  });

  it('gives each severity its own colour', () => {
    const colours = [
      COLOR_SUCCESS_GREEN,
      COLOR_FAILURE_RED,
      COLOR_PROGRESS_BLUE,
      COLOR_ALERT_ORANGE,
      COLOR_INFO_GREY,
    ];
    expect(new Set(colours).size).toBe(5);
  });
});

describe('discord render — test and confirmation messages', () => {
  it('integration:test says it is a test for the integration', () => {
    const embed = messageOf(exampleEvent('integration:test')).embeds![0]!;
    expect(embed.title).toBe('Test notification from Herald for Ops webhook');
    expect(embed.description).toContain('not a real event');
  });

  it('integration:connected names the events, the projects and where to change them', () => {
    const embed = messageOf(exampleEvent('integration:connected')).embeds![0]!;
    expect(embed.title).toBe('Herald is connected: Ops webhook');
    expect(embed.description).toContain(
      'It will receive build:failure, every deployment event from project personal-blog',
    );
    expect(embed.url).toBe('https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit');
  });
});
