import { describe, expect, it } from 'vitest';
import discord, { discordConfigSchema, maskDiscordUrl } from '../src/index.js';

const TOKEN = 'Xy_SecretWebhookToken-abc123';

describe('discord config', () => {
  it('accepts a Discord webhook URL, with or without a thread_id', () => {
    expect(
      discordConfigSchema.safeParse({ url: `https://discord.com/api/webhooks/1/${TOKEN}` }).success,
    ).toBe(true);
    expect(
      discordConfigSchema.safeParse({ url: `https://discord.com/api/webhooks/1/${TOKEN}?thread_id=9` })
        .success,
    ).toBe(true);
  });

  it('accepts a plain http URL, for a local stand-in', () => {
    expect(discordConfigSchema.safeParse({ url: 'http://127.0.0.1:9000/hook' }).success).toBe(true);
  });

  it.each(['ftp://discord.com/api/webhooks/1/x', 'discord.com/api/webhooks/1/x', '', 42])(
    'refuses %j without repeating it',
    (url) => {
      const result = discordConfigSchema.safeParse({ url });
      expect(result.success).toBe(false);
      const messages = result.error!.issues.map((i) => i.message).join(' ');
      expect(messages).toMatch(/url|URL|expected/);
      if (typeof url === 'string' && url !== '') expect(messages).not.toContain(url);
    },
  );

  it('refuses a config without url', () => {
    expect(discordConfigSchema.safeParse({}).success).toBe(false);
  });
});

describe('discord maskSecret', () => {
  const mask = (value: string) => discord.maskSecret!('url', value);

  it('hides the token and keeps the webhook id', () => {
    expect(mask(`https://discord.com/api/webhooks/123/${TOKEN}`)).toBe(
      'https://discord.com/api/webhooks/123/****',
    );
  });

  it('keeps the thread_id, which names the thread and holds no secret, and drops the rest of the query', () => {
    expect(mask(`https://discord.com/api/webhooks/123/${TOKEN}?thread_id=77&wait=true`)).toBe(
      'https://discord.com/api/webhooks/123/****?thread_id=77',
    );
    expect(mask(`http://127.0.0.1:9000/hook?token=${TOKEN}`)).toBe('http://127.0.0.1:9000/****');
  });

  it('hides everything after the id of a versioned or suffixed URL', () => {
    expect(mask(`https://canary.discord.com/api/v10/webhooks/123/${TOKEN}/github`)).toBe(
      'https://canary.discord.com/api/v10/webhooks/123/****',
    );
  });

  it('keeps only the origin of other URLs, and hides unreadable values entirely', () => {
    expect(mask(`http://127.0.0.1:9000/hook/${TOKEN}`)).toBe('http://127.0.0.1:9000/****');
    expect(mask(`not a url ${TOKEN}`)).toBe('****');
    expect(maskDiscordUrl(`https://discord.com/api/webhooks/123`)).toBe('https://discord.com/****');
  });
});
