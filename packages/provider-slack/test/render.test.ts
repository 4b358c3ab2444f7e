import { buildNotification, exampleEvent } from '@herald/core';
import type { ActionsBlock, ContextBlock, HeaderBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  checkSlackLimits,
  MAX_HEADER_TEXT_CHARS,
  MAX_SECTION_TEXT_CHARS,
  renderSlack,
} from '../src/index.js';
import type { SlackMessage } from '../src/render.js';
import { editedEvent, renderEvent, WEBHOOK_URL } from './fixtures.js';

const header = (blocks: unknown[]) => blocks.find((b) => (b as HeaderBlock).type === 'header') as HeaderBlock;
const section = (blocks: unknown[]) =>
  blocks.find((b) => (b as SectionBlock).type === 'section') as SectionBlock;
const context = (blocks: unknown[]) =>
  blocks.find((b) => (b as ContextBlock).type === 'context') as ContextBlock;
const actions = (blocks: unknown[]) =>
  blocks.find((b) => (b as ActionsBlock).type === 'actions') as ActionsBlock | undefined;

describe('slack render — the request', () => {
  it('POSTs JSON to the webhook URL', () => {
    const { request } = renderEvent(exampleEvent('build:start'));
    expect(request.method).toBe('POST');
    expect(request.url).toBe(WEBHOOK_URL);
    expect(request.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
  });

  it('lays the message out as header, section, context, then the link button', () => {
    const { message } = renderEvent(exampleEvent('build:failure'));
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
  });
});

describe('slack render — what a person sees', () => {
  it.each([
    ['build:success', '✅'],
    ['build:failure', '❌'],
    ['build:start', '⏳'],
    ['alert:cpu-high', '🚨'],
    ['billing:invoice-created', 'ℹ️'],
  ] as const)('%s puts %s in front of the title', (type, emoji) => {
    const { message } = renderEvent(exampleEvent(type));
    expect(header(message.blocks).text.text.startsWith(`${emoji} `)).toBe(true);
  });

  it('has a plain fallback text with the title and the summary, for notifications', () => {
    const { message } = renderEvent(exampleEvent('build:failure'));
    expect(message.text).toBe(
      '❌ Build failed: Website — Build social-hour-1312 of Website on master failed.',
    );
  });

  it('shows each key fact as a bold label over its value', () => {
    const { message } = renderEvent(exampleEvent('build:failure'));
    expect(section(message.blocks).fields?.map((f) => f.text)).toEqual([
      '*Branch*\nmaster',
      '*Commit*\nca624ab',
      '*Status*\nFAILURE',
      '*By*\nThomas',
    ]);
  });

  it('dates the context line with Slack date syntax, readable without it', () => {
    const { message } = renderEvent(exampleEvent('build:failure'));
    const line = context(message.blocks).elements[0] as { text: string };
    expect(line.text).toBe(
      '*Personal Blog* · `build:failure` · <!date^1795770280^{date_short_pretty} at {time}|2026-11-27 09:04 UTC>',
    );
  });

  it('links the event with a button named after what it opens', () => {
    const { message } = renderEvent(exampleEvent('job-run:failure'));
    expect(actions(message.blocks)?.elements).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'View job run', emoji: true },
        url: 'https://app.example.com/acme/personal-blog/jobs/nightly-report/runs/run-5521',
      },
    ]);
  });

  it('has no button when the event has no URL', () => {
    expect(actions(renderEvent(exampleEvent('integration:disabled')).message.blocks)).toBeUndefined();
    const noUrl = editedEvent('build:failure', (d) => {
      delete d.build!.url;
    });
    expect(actions(renderEvent(noUrl).message.blocks)).toBeUndefined();
  });

  it('drops the button rather than cut a URL Slack cannot take, or link a non-web URL', () => {
    const long = editedEvent('build:failure', (d) => {
      d.build!.url = `https://app.example.com/${'a'.repeat(3000)}`;
    });
    const ftp = editedEvent('build:failure', (d) => {
      d.build!.url = 'ftp://files.example.com/build.log';
    });
    expect(actions(renderEvent(long).message.blocks)).toBeUndefined();
    expect(actions(renderEvent(ftp).message.blocks)).toBeUndefined();
  });

  it('escapes event text so it cannot mention @channel or forge links', () => {
    const event = editedEvent('alert:container-crashed', (d) => {
      d.alert!.message = 'Crash <!channel> see <https://evil.example|docs> & more';
    });
    const { message } = renderEvent(event);
    const text = section(message.blocks).text?.text;
    expect(text).toBe('Crash &lt;!channel&gt; see &lt;https://evil.example|docs&gt; &amp; more');
    expect(message.text).not.toContain('<!channel>');
  });
});

describe('slack render — long text is cut, never rejected', () => {
  it('renders a 10 000-character alert message within every limit', () => {
    const event = editedEvent('alert:container-crashed', (d) => {
      d.alert!.message = 'm'.repeat(10_000);
      d.resource!.name = 'n'.repeat(10_000);
    });
    const { request, message } = renderEvent(event);
    expect(checkSlackLimits(request)).toEqual([]);
    const title = header(message.blocks).text.text;
    expect(title).toHaveLength(MAX_HEADER_TEXT_CHARS);
    expect(title.endsWith('…')).toBe(true);
    const text = section(message.blocks).text?.text ?? '';
    expect(text).toHaveLength(MAX_SECTION_TEXT_CHARS);
    expect(text.endsWith('m…')).toBe(true);
  });

  it('never cuts an escaped character in half', () => {
    const event = editedEvent('alert:container-crashed', (d) => {
      d.alert!.message = '<&>'.repeat(2_000);
    });
    const text = section(renderEvent(event).message.blocks).text?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT_CHARS);
    expect(text).toMatch(/^(&lt;&amp;&gt;)*(&lt;|&lt;&amp;)?…$/);
  });

  it('never cuts an emoji in half', () => {
    const event = editedEvent('alert:container-crashed', (d) => {
      d.resource!.name = `x${'🚀'.repeat(200)}`;
    });
    const { request, message } = renderEvent(event);
    expect(checkSlackLimits(request)).toEqual([]);
    expect(header(message.blocks).text.text).toMatch(/🚀…$/u);
  });
});

describe('slack render — test and confirmation messages', () => {
  it('integration:test says it is a test for the integration, in the header and the fallback text', () => {
    const { message } = renderEvent(exampleEvent('integration:test'));
    expect(header(message.blocks).text.text).toContain('Test notification from Herald for Ops webhook');
    expect(message.text).toContain('Test notification from Herald for Ops webhook');
    expect(message.text).toContain('not a real event');
  });

  it('integration:connected names the events, the projects and where to change them', () => {
    const { message } = renderEvent(exampleEvent('integration:connected'));
    const text = section(message.blocks).text?.text ?? '';
    expect(text).toContain('Ops webhook is connected to Herald');
    expect(text).toContain('build:failure, every deployment event');
    expect(text).toContain('project personal-blog');
    expect(text).toContain('https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit');
  });
});

describe('slack render — a message template', () => {
  const templated = (title: string, text: string) => {
    const event = exampleEvent('build:failure');
    const request = renderSlack(
      buildNotification({
        event,
        integration: { id: 'int_t', name: 'T' },
        deliveryId: 'dlv_t',
        message: { title, text },
      }),
      { url: WEBHOOK_URL },
    );
    return { request, message: JSON.parse(request.body) as SlackMessage, plain: renderEvent(event).message };
  };

  it("puts the template's title in the header and its text in the section, keeping fields and button", () => {
    const { message, plain } = templated('Deploy broke', 'Look at *main*');
    expect(header(message.blocks).text.text).toBe('❌ Deploy broke');
    expect(section(message.blocks).text?.text).toBe('Look at *main*');
    expect(section(message.blocks).fields).toEqual(section(plain.blocks).fields);
    expect(actions(message.blocks)).toEqual(actions(plain.blocks));
    expect(message.text).toBe('❌ Deploy broke — Look at *main*');
  });

  it('escapes what a template rendered as any text: no mention, no link; cut to the limits', () => {
    const { request, message } = templated('<!channel> '.repeat(40), '<https://evil.example|click> & more');
    expect(section(message.blocks).text?.text).toBe('&lt;https://evil.example|click&gt; &amp; more');
    // The header is plain_text, which Slack shows as written; the fallback text is mrkdwn, escaped.
    expect(header(message.blocks).text.type).toBe('plain_text');
    expect(message.text).not.toContain('<!channel>');
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(header(message.blocks).text.text.length).toBeLessThanOrEqual(MAX_HEADER_TEXT_CHARS);
    expect(checkSlackLimits(request)).toEqual([]);
  });
});
