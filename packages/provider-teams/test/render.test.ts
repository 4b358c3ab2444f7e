import { exampleEvent, type HeraldEvent } from '@herald/core';
import { conformanceNotification } from '@herald/core/testing';
import { describe, expect, it } from 'vitest';
import {
  BODY_BUDGET_BYTES,
  checkTeamsLimits,
  MAX_FACTS,
  MAX_LINK_URL_CHARS,
  MAX_TITLE_CHARS,
  renderTeams,
} from '../src/index.js';
import { LEGACY_URL, render, renderJson, WORKFLOWS_URL, workflowsConfig } from './fixtures.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function withData(event: HeraldEvent, patch: (data: Record<string, Record<string, unknown>>) => void) {
  const copy = structuredClone(event);
  patch(copy.data as Record<string, Record<string, unknown>>);
  return copy;
}

describe('teams provider — rendering', () => {
  it('posts JSON to the configured URL, unchanged', () => {
    const request = render(exampleEvent('build:start'));
    expect(request).toMatchObject({ method: 'POST', url: WORKFLOWS_URL });
    expect(request.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('sends a Workflows URL one Adaptive Card attachment and a legacy URL a MessageCard', () => {
    const workflows = renderJson(exampleEvent('build:failure'));
    expect(workflows.type).toBe('message');
    expect(workflows.attachments).toHaveLength(1);
    expect(workflows.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { type: 'AdaptiveCard', version: '1.4' },
    });
    const legacy = renderJson(exampleEvent('build:failure'), { url: LEGACY_URL });
    expect(legacy).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: 'D13438',
      summary: 'Build failed: Website',
    });
    expect(legacy.sections[0].facts[0]).toEqual({ name: 'Branch', value: 'master' });
  });

  it('renders the same body for the same notification', () => {
    const event = exampleEvent('alert:container-crashed');
    expect(render(event).body).toBe(render(event).body);
  });

  it('adds no button when the event has no link, or a link that is not http(s) or is too long', () => {
    expect(renderJson(exampleEvent('integration:failing')).attachments[0].content.actions).toBeUndefined();
    expect(
      renderJson(exampleEvent('integration:failing'), { url: LEGACY_URL }).potentialAction,
    ).toBeUndefined();
    const links = ['javascript:alert(1)', `https://app.example.com/${'a'.repeat(MAX_LINK_URL_CHARS)}`];
    for (const url of links) {
      const event = withData(exampleEvent('build:failure'), (d) => {
        d.build!.url = url;
      });
      expect(renderJson(event).attachments[0].content.actions).toBeUndefined();
      expect(renderJson(event, { url: LEGACY_URL }).potentialAction).toBeUndefined();
    }
  });

  it('shows the time in UTC whatever offset the event was published with', () => {
    const event = { ...exampleEvent('build:start'), occurredAt: '2026-11-27T10:04:40.916+01:00' };
    const card = renderJson(event).attachments[0].content;
    expect(card.body.at(-1).text).toBe('Personal Blog · 2026-11-27 09:04 UTC');
  });

  it(`keeps at most ${MAX_FACTS} facts`, () => {
    const notification = conformanceNotification(exampleEvent('build:start'));
    notification.summary.fields = Array.from({ length: 15 }, (_, i) => ({ label: `F${i}`, value: `v${i}` }));
    const request = renderTeams(notification, workflowsConfig);
    expect(JSON.parse(request.body).attachments[0].content.body[2].facts).toHaveLength(MAX_FACTS);
    expect(checkTeamsLimits(request)).toEqual([]);
  });

  it('cuts long text without splitting an emoji in half', () => {
    const event = withData(exampleEvent('build:failure'), (d) => {
      d.service!.name = '😀'.repeat(400);
    });
    const request = render(event);
    const title = JSON.parse(request.body).attachments[0].content.body[0].text as string;
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title.endsWith('…')).toBe(true);
    expect(LONE_SURROGATE.test(title)).toBe(false);
  });

  it('shrinks text that JSON escaping inflates until the body fits its budget', () => {
    // Control characters take six bytes each once JSON-escaped (\u0001).
    const junk = '\u0001'.repeat(20_000);
    const event = withData(exampleEvent('alert:container-crashed'), (d) => {
      d.alert!.message = junk;
      d.resource!.name = junk;
      d.container!.reason = junk;
      d.project!.name = junk;
    });
    for (const url of [WORKFLOWS_URL, LEGACY_URL]) {
      const request = render(event, { url });
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(BODY_BUDGET_BYTES);
      expect(checkTeamsLimits(request)).toEqual([]);
    }
  });
});

describe('teams provider — checkTeamsLimits', () => {
  const good = () => render(exampleEvent('build:failure'));

  it('passes a rendered request', () => {
    expect(checkTeamsLimits(good())).toEqual([]);
  });

  it('reports a body over 28 KB', () => {
    const body = JSON.parse(good().body);
    body.attachments[0].content.body[1].text = 'x'.repeat(30_000);
    expect(checkTeamsLimits({ ...good(), body: JSON.stringify(body) }).join('\n')).toMatch(/bytes/);
  });

  it('reports a MessageCard sent to a Workflows URL', () => {
    const legacyBody = render(exampleEvent('build:failure'), { url: LEGACY_URL }).body;
    expect(checkTeamsLimits({ ...good(), body: legacyBody })).not.toEqual([]);
  });

  it('reports too many facts, a long title and a wrong card version', () => {
    const body = JSON.parse(good().body);
    const card = body.attachments[0].content;
    card.version = '1.5';
    card.body[0].text = 'T'.repeat(MAX_TITLE_CHARS + 1);
    card.body[2].facts = Array.from({ length: MAX_FACTS + 1 }, () => ({ title: 'a', value: 'b' }));
    const problems = checkTeamsLimits({ ...good(), body: JSON.stringify(body) });
    expect(problems).toHaveLength(3);
  });
});

describe('teams render — test and confirmation messages', () => {
  it('integration:test says it is a test for the integration', () => {
    const text = JSON.stringify(renderJson(exampleEvent('integration:test')));
    expect(text).toContain('Test notification from Herald for Ops webhook');
    expect(text).toContain('not a real event');
  });

  it('integration:connected names the events, the projects and where to change them (both card kinds)', () => {
    for (const config of [workflowsConfig, { url: LEGACY_URL }]) {
      const text = JSON.stringify(renderJson(exampleEvent('integration:connected'), config));
      expect(text).toContain('Herald is connected: Ops webhook');
      expect(text).toContain('build:failure, every deployment event');
      expect(text).toContain('project personal-blog');
      expect(text).toContain('https://herald.example.com/#/integrations/int_01JD2Z5S8K4M3XQ7/edit');
    }
  });
});
