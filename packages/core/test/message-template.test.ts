import { describe, expect, it } from 'vitest';
import {
  buildNotification,
  compileMessage,
  exampleEvent,
  MAX_RENDERED_BODY_BYTES,
  MAX_TEMPLATE_CHARS,
  messageTemplateSchema,
  renderMessageFor,
  summarize,
  TemplateCache,
  TemplateError,
} from '../src/index.js';

const integration = { id: 'int_1', name: 'Ops', type: 'slack', projects: ['personal-blog'] };
const build = exampleEvent('build:failure');

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('message templates — compile and render', () => {
  it('renders the event, the integration and the summary', () => {
    const compiled = compileMessage({
      title: '{{ event.event }} for {{ integration.name }} ({{ integration.provider }})',
      text: '{{ summary.title }} on {{ event.projectId }}; projects {{ integration.projects | join: "," }}',
    });
    const message = renderMessageFor(compiled, build, integration);
    expect(message.title).toBe('build:failure for Ops (slack)');
    expect(message.text).toBe(`${summarize(build).title} on personal-blog; projects personal-blog`);
    expect(message.body).toBeUndefined();
  });

  it('names the field, line and column of a parse error', () => {
    const err = errorOf(() => compileMessage({ text: 'first line\n{{ event.event | shout }}' }));
    expect(err.code).toBe('template_error');
    expect(err.field).toBe('text');
    expect(err.line).toBe(2);
    expect(err.column).toBe(1);
    expect(err.problem).toBe('undefined filter: shout');
    expect(err.message).toBe('template text: line 2, column 1: undefined filter: shout');
    expect(err.stage).toBe('parse');
  });

  it('names an unclosed tag', () => {
    const err = errorOf(() => compileMessage({ title: 'a\nb\n{% if event %}never closed' }));
    expect([err.field, err.line, err.problem]).toEqual(['title', 3, 'tag {% if event %} not closed']);
  });

  it.each(['include', 'render', 'layout'])('refuses the file tag %s when parsing', (tag) => {
    const err = errorOf(() => compileMessage({ text: `{% ${tag} "/etc/passwd" %}` }));
    expect(err.problem).toBe(`tag "${tag}" not found`);
  });

  it('reads own properties only: no constructor, no prototype', () => {
    const compiled = compileMessage({
      text: '[{{ event.constructor }}][{{ event.data.__proto__ }}][{{ integration.toString }}]',
    });
    expect(renderMessageFor(compiled, build, integration).text).toBe('[][][]');
  });

  it('stops a template that renders for too long', () => {
    const compiled = compileMessage({
      text: '{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}',
    });
    const err = errorOf(() => renderMessageFor(compiled, build, integration));
    expect(err.problem).toBe('template render limit exceeded');
    expect(err.stage).toBe('render');
  });

  it('stops a template that allocates too much', () => {
    const compiled = compileMessage({
      text: '{% assign s = "0123456789" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
    });
    const err = errorOf(() => renderMessageFor(compiled, build, integration));
    expect(err.problem).toBe('memory alloc limit exceeded');
  });

  it('refuses a template longer than its limit, in the schema and when parsing', () => {
    const long = 'x'.repeat(MAX_TEMPLATE_CHARS + 1);
    expect(messageTemplateSchema.safeParse({ text: long }).success).toBe(false);
    expect(errorOf(() => compileMessage({ text: long })).problem).toContain(
      `${MAX_TEMPLATE_CHARS} characters`,
    );
  });

  it('refuses an empty template and unknown fields', () => {
    expect(messageTemplateSchema.safeParse({}).success).toBe(false);
    expect(messageTemplateSchema.safeParse({ text: '' }).success).toBe(false);
    expect(messageTemplateSchema.safeParse({ text: 'a', footer: 'b' }).success).toBe(false);
  });
});

describe('message templates — a webhook body', () => {
  it('renders JSON, kept byte for byte', () => {
    const compiled = compileMessage({
      body: '{ "type": {{ event.event | json }},\n  "branch": {{ event.data.build.branch | json }} }',
    });
    const body = renderMessageFor(compiled, build, integration).body!;
    expect(body).toBe(`{ "type": "build:failure",\n  "branch": ${JSON.stringify(build.data.build.branch)} }`);
  });

  it('fails a body that is not JSON for this event', () => {
    const compiled = compileMessage({ body: '{"branch": "{{ event.data.build.branch }}", {{ event.id }}}' });
    const err = errorOf(() => renderMessageFor(compiled, build, integration));
    expect(err.field).toBe('body');
    expect(err.problem).toMatch(/^does not render valid JSON \(.+\)$/);
    // JSON.parse may quote the text; the reason must not carry event data along.
    const quoting = compileMessage({ body: '{"branch": {{ event.data.build.branch }} }' });
    const quoted = errorOf(() => renderMessageFor(quoting, build, integration));
    expect(quoted.problem).toBe("does not render valid JSON (Unexpected token 'm')");
    expect(quoted.message).not.toContain(build.data.build.branch);
  });

  it('fails a body larger than an event may be (bytes, not characters)', () => {
    const body = compileMessage({ body: '{{ event.data.pad | json }}' });
    const pad = (n: number) => ({ ...build, data: { ...build.data, pad: 'é'.repeat(n) } }) as typeof build;
    // 'é' is two bytes: just under the cap in characters, twice over it in bytes.
    expect(() => renderMessageFor(body, pad(MAX_RENDERED_BODY_BYTES / 2 - 2), integration)).not.toThrow();
    const err = errorOf(() => renderMessageFor(body, pad(MAX_RENDERED_BODY_BYTES - 10), integration));
    expect(err.problem).toMatch(/bytes, more than 262144$/);
  });
});

describe('message templates — what they can see', () => {
  it('never the config: a stored integration reaches the template without it', () => {
    const stored = { ...integration, config: { url: 'https://hooks.slack.com/services/T0/B0/SECRETSECRET' } };
    const compiled = compileMessage({ text: '{{ integration | json }}|{{ integration.config.url }}' });
    const text = renderMessageFor(compiled, build, stored).text!;
    expect(text).not.toContain('SECRETSECRET');
    expect(JSON.parse(text.split('|')[0]!)).toEqual({
      id: 'int_1',
      name: 'Ops',
      provider: 'slack',
      projects: ['personal-blog'],
    });
  });
});

describe('message templates — the cache', () => {
  it('compiles a template once and keeps at most its bound, dropping the least recently used', () => {
    const cache = new TemplateCache(2);
    const a = cache.get({ text: 'a {{ event.id }}' });
    expect(cache.get({ text: 'a {{ event.id }}' })).toBe(a);
    const title = cache.get({ title: 'a {{ event.id }}' });
    expect(title).not.toBe(a);
    // `text: a` was used before `title: a`: it goes when a third comes.
    cache.get({ text: 'a {{ event.id }}' });
    cache.get({ text: 'b' });
    expect(cache.size).toBe(2);
    expect(cache.get({ text: 'a {{ event.id }}' })).toBe(a);
    expect(cache.get({ title: 'a {{ event.id }}' })).not.toBe(title);
  });

  it('finds a template by its object, and by its source for another object', () => {
    const cache = new TemplateCache();
    const template = { text: 'hi {{ event.id }}' };
    const compiled = cache.get(template);
    expect(cache.get(template)).toBe(compiled);
    expect(cache.get({ ...template })).toBe(compiled);
    // A NUL in a field cannot make two templates one.
    expect(cache.get({ title: 'a\u0000', text: 'b' })).not.toBe(cache.get({ title: 'a', text: '\u0000b' }));
    expect(cache.size).toBe(3);
  });

  it('keeps no template that does not compile', () => {
    const cache = new TemplateCache();
    expect(() => cache.get({ text: '{{ x | nope }}' })).toThrow(TemplateError);
    expect(cache.size).toBe(0);
  });
});

describe('message templates — the notification', () => {
  it("puts a template's title and text in the summary chat providers render", () => {
    const plain = buildNotification({ event: build, integration, deliveryId: 'dlv_1' });
    const templated = buildNotification({
      event: build,
      integration,
      deliveryId: 'dlv_1',
      message: { title: 'T', text: 'X' },
    });
    expect(templated.summary.title).toBe('T');
    expect(templated.summary.text).toBe('X');
    expect(templated.summary.fields).toEqual(plain.summary.fields);
    expect(plain.summary.title).toBe(summarize(build).title);
    expect(plain.message).toBeUndefined();
  });
});
