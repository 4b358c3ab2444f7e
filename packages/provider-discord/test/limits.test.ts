import { EVENT_TYPES, type EventSummary, exampleEvent, type HttpRequestSpec, summarize } from '@herald/core';
import { conformanceNotification, inflateEvent } from '@herald/core/testing';
import { describe, expect, it } from 'vitest';
import {
  buildEmbed,
  checkDiscordLimits,
  type DiscordEmbed,
  type DiscordMessage,
  embedTextLength,
  fitEmbedTotal,
  levelFor,
  MAX_EMBED_DESCRIPTION_CHARS,
  MAX_EMBED_FIELD_NAME_CHARS,
  MAX_EMBED_FIELD_VALUE_CHARS,
  MAX_EMBED_FIELDS,
  MAX_EMBED_FOOTER_TEXT_CHARS,
  MAX_EMBED_TITLE_CHARS,
  MAX_EMBED_TOTAL_CHARS,
  renderDiscord,
} from '../src/index.js';

const config = { url: 'https://discord.com/api/webhooks/1/token' };

function embedOf(request: HttpRequestSpec): DiscordEmbed {
  return (JSON.parse(request.body) as DiscordMessage).embeds![0]!;
}

function huge(chars: number): EventSummary {
  return {
    ...summarize(exampleEvent('alert:container-crashed')),
    title: 'T'.repeat(chars),
    text: 'D'.repeat(chars),
    scope: 'S'.repeat(chars),
    fields: Array.from({ length: 40 }, (_, i) => ({
      label: `L${i} ${'n'.repeat(chars)}`,
      value: 'v'.repeat(chars),
    })),
  };
}

describe('discord limits — cutting', () => {
  it.each(EVENT_TYPES)('%s inflated to 7000-character strings fits in 6000 total', (type) => {
    const request = renderDiscord(conformanceNotification(inflateEvent(exampleEvent(type))), config);
    expect(checkDiscordLimits(request)).toEqual([]);
    expect(embedTextLength(embedOf(request))).toBeLessThanOrEqual(MAX_EMBED_TOTAL_CHARS);
  });

  it('cuts every text of a huge summary to its own limit, and the whole to 6000', () => {
    const embed = buildEmbed(huge(10_000));
    expect(embed.title!.length).toBeLessThanOrEqual(MAX_EMBED_TITLE_CHARS);
    expect(embed.fields).toHaveLength(MAX_EMBED_FIELDS);
    for (const field of embed.fields!) {
      expect(field.name.length).toBeLessThanOrEqual(MAX_EMBED_FIELD_NAME_CHARS);
      expect(field.value.length).toBeLessThanOrEqual(MAX_EMBED_FIELD_VALUE_CHARS);
      expect(field.value.trim()).not.toBe('');
    }
    expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(MAX_EMBED_FOOTER_TEXT_CHARS);
    expect(embedTextLength(embed)).toBeLessThanOrEqual(MAX_EMBED_TOTAL_CHARS);
  });

  it('cuts each field value to 1024 with an ellipsis', () => {
    const summary = {
      ...summarize(exampleEvent('build:start')),
      fields: [{ label: 'Log', value: 'x'.repeat(5_000) }],
    };
    const value = buildEmbed(summary).fields![0]!.value;
    expect(value).toHaveLength(MAX_EMBED_FIELD_VALUE_CHARS);
    expect(value.endsWith('…')).toBe(true);
  });

  it('cuts the description to 4096 when it alone is long', () => {
    const summary = { ...summarize(exampleEvent('build:start')), text: 'd'.repeat(5_000) };
    expect(buildEmbed(summary).description).toHaveLength(MAX_EMBED_DESCRIPTION_CHARS);
  });

  it('over 6000, shrinks the description first and leaves fields whole', () => {
    const fields = Array.from({ length: 4 }, (_, i) => ({ name: `F${i}`, value: 'v'.repeat(1_000) }));
    const embed: DiscordEmbed = { title: 'Title', description: 'd'.repeat(4_000), fields };
    const fitted = fitEmbedTotal(embed);
    expect(embedTextLength(fitted)).toBe(MAX_EMBED_TOTAL_CHARS);
    expect(fitted.fields).toEqual(fields);
    expect(fitted.description).toHaveLength(4_000 - (embedTextLength(embed) - MAX_EMBED_TOTAL_CHARS));
  });

  it('then cuts the longest field values to one level, keeping short ones whole', () => {
    const fields = [
      { name: 'Short', value: 'ok' },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `Long${i}`, value: 'v'.repeat(1_000) })),
    ];
    const fitted = fitEmbedTotal({ title: 'Title', description: 'd'.repeat(500), fields });
    expect(fitted).not.toHaveProperty('description');
    expect(fitted.fields![0]).toEqual({ name: 'Short', value: 'ok' });
    const lengths = new Set(fitted.fields!.slice(1).map((f) => f.value.length));
    expect(lengths.size).toBe(1);
    expect(embedTextLength(fitted)).toBeLessThanOrEqual(MAX_EMBED_TOTAL_CHARS);
  });

  it('leaves an embed that fits untouched', () => {
    const embed = buildEmbed(summarize(exampleEvent('build:failure')));
    expect(fitEmbedTotal(embed)).toBe(embed);
  });

  it('cuts the same input the same way every time', () => {
    expect(buildEmbed(huge(3_000))).toEqual(buildEmbed(huge(3_000)));
  });

  it('never leaves half an emoji when cutting', () => {
    for (let pad = 0; pad < 4; pad++) {
      const summary = {
        ...summarize(exampleEvent('build:start')),
        title: `${'a'.repeat(250 + pad)}${'😀'.repeat(10)}`,
      };
      const title = buildEmbed(summary).title!;
      expect(title.length).toBeLessThanOrEqual(MAX_EMBED_TITLE_CHARS);
      expect(title).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });

  it('levels lengths so their sum fits the budget', () => {
    expect(levelFor([10, 20, 30], 100)).toBe(Number.POSITIVE_INFINITY);
    expect(levelFor([10, 100, 100], 110)).toBe(50);
    expect(levelFor([5, 5, 1_000], 30)).toBe(20);
  });
});

describe('discord limits — checkDiscordLimits', () => {
  const request = (message: unknown): HttpRequestSpec => ({
    method: 'POST',
    url: 'https://discord.com/api/webhooks/1/t?wait=true',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });

  it('passes a rendered example', () => {
    expect(
      checkDiscordLimits(renderDiscord(conformanceNotification(exampleEvent('build:start')), config)),
    ).toEqual([]);
  });

  it('reports each broken limit', () => {
    const problems = checkDiscordLimits(
      request({
        content: 'c'.repeat(2_001),
        embeds: [
          {
            title: 't'.repeat(257),
            description: 'd'.repeat(4_097),
            fields: [{ name: '', value: 'v'.repeat(1_025) }],
            footer: { text: 'f'.repeat(2_049) },
            author: { name: 'a'.repeat(257) },
          },
        ],
      }),
    );
    expect(problems).toEqual([
      'content has 2001 characters, more than 2000',
      'embeds.0.title has 257 characters, more than 256',
      'embeds.0.description has 4097 characters, more than 4096',
      'embeds.0.footer.text has 2049 characters, more than 2048',
      'embeds.0.author.name has 257 characters, more than 256',
      'embeds.0.fields.0.value has 1025 characters, more than 1024',
      'embeds.0.fields.0.name is blank',
      'all embeds together has 7685 characters, more than 6000',
    ]);
  });

  it('reports too many embeds and fields, and a total over 6000 across embeds', () => {
    const embed = {
      description: 'd'.repeat(1_000),
      fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })),
    };
    const problems = checkDiscordLimits(request({ embeds: Array.from({ length: 11 }, () => embed) }));
    expect(problems).toContain('message has 11 embeds, more than 10');
    expect(problems).toContain('embeds.0 has 26 fields, more than 25');
    expect(problems).toContain('all embeds together has 11572 characters, more than 6000');
  });

  it('reports a body that is not JSON or an empty message', () => {
    expect(checkDiscordLimits({ ...request({}), body: 'nope' })).toEqual(['body is not JSON']);
    expect(checkDiscordLimits(request({}))).toEqual(['message is empty']);
  });
});
