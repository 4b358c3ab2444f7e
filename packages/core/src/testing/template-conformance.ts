import { expect, it } from 'vitest';
import { EVENT_TYPES } from '../events/catalogue.js';
import type { HeraldEvent } from '../events/envelope.js';
import { exampleEvent } from '../events/examples.js';
import type { HttpProvider, HttpRequestSpec } from '../provider/contract.js';
import { buildNotification } from '../provider/notification.js';
import { compileMessage, type MessageTemplate, renderMessageFor } from '../template/message-template.js';

/** A word the kit's templates start with, to find them in what a provider renders. */
export const TEMPLATE_MARK = 'TemplateMark';

/**
 * Templates that render long text from every part of the data (an inflated event makes
 * them tens of kilobytes), so the provider's limits are checked after rendering.
 */
export const CONFORMANCE_TEMPLATES: Required<MessageTemplate> = {
  title: `${TEMPLATE_MARK} {{ summary.title }} in {{ event.projectId }} ({{ integration.name }})`,
  text: `${TEMPLATE_MARK} {{ summary.text }}\n{% for pair in event.data %}*{{ pair[0] }}*: {{ pair[1] | json }}\n{% endfor %}{{ integration | json }}`,
  body: `{"mark": "${TEMPLATE_MARK}", "type": {{ event.event | json }}, "integration": {{ integration | json }}, "summary": {{ summary.title | json }}, "data": {{ event.data | json }}}`,
};

export interface TemplateConformanceOptions<C> {
  provider: HttpProvider<C>;
  config: C;
  secrets: string[];
  secretPlaces: string[];
  checkLimits: (request: HttpRequestSpec, context?: { templated: boolean }) => string[];
  /** The events to render: the example of each type and its inflated copy. */
  eventsOf: (type: (typeof EVENT_TYPES)[number]) => HeraldEvent[];
}

const INTEGRATION = { id: 'int_golden', name: 'Golden integration', type: 'conformance', projects: null };
const FIXED = { deliveryId: 'dlv_GOLDEN0000000000000000000', attemptAt: '2026-11-27T09:05:00.000Z' };

function secretsOutsidePlaces(request: HttpRequestSpec, secrets: string[], places: string[]): string[] {
  const parts: [string, string][] = [
    ['url', request.url],
    ['body', request.body],
    ...Object.entries(request.headers).map(([n, v]): [string, string] => [`header:${n.toLowerCase()}`, v]),
  ];
  return parts
    .filter(([where, text]) => !places.includes(where) && secrets.some((s) => text.includes(s)))
    .map(([where]) => where);
}

/** Registers the template checks of a provider that declares `templateFields` (inside its describe). */
export function registerTemplateConformance<C>(options: TemplateConformanceOptions<C>): void {
  const { provider } = options;
  const fields = provider.templateFields ?? [];
  const template: MessageTemplate = Object.fromEntries(fields.map((f) => [f, CONFORMANCE_TEMPLATES[f]]));
  const compiled = compileMessage(template);
  const render = (event: HeraldEvent) => {
    const message = renderMessageFor(compiled, event, INTEGRATION);
    const notification = buildNotification({
      event,
      integration: { id: INTEGRATION.id, name: INTEGRATION.name },
      ...FIXED,
      message,
    });
    return { message, request: provider.render(notification, options.config) };
  };

  it.each(EVENT_TYPES)('%s with a template renders within limits, the template used', (type) => {
    for (const event of options.eventsOf(type)) {
      const { message, request } = render(event);
      expect(options.checkLimits(request, { templated: true })).toEqual([]);
      expect(secretsOutsidePlaces(request, options.secrets, options.secretPlaces)).toEqual([]);
      if (message.body !== undefined) expect(request.body).toBe(message.body);
      else expect(request.body).toContain(TEMPLATE_MARK);
    }
  });

  it('gives templates no config: no secret, no destination URL in what they can read', () => {
    const dump = compileMessage(
      Object.fromEntries(
        fields.map((f) => [
          f,
          f === 'body' ? '{"all": {{ integration | json }}}' : '{{ integration | json }}',
        ]),
      ),
    );
    // The integration as the runner has it, config and all: the template data must leave it out.
    const stored = { ...INTEGRATION, config: options.config };
    const message = renderMessageFor(dump, exampleEvent('build:start'), stored);
    const text = JSON.stringify(message);
    for (const s of options.secrets) expect(text).not.toContain(s);
    expect(text).not.toContain('config');
  });
}
