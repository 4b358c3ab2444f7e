import {
  type AnyProvider,
  compileMessage,
  EVENT_TYPES,
  type EventType,
  exampleEvent,
  type MessageTemplate,
  patternMatches,
  renderMessageFor,
  TEMPLATE_FIELDS,
  TemplateError,
  type TemplateIntegration,
} from '@herald/core';
import { type ApiIssue, invalidRequest } from './errors.js';

/**
 * Most time a save may spend rendering a template with the catalogue's examples, in
 * milliseconds. Each render is held to core's TEMPLATE_RENDER_LIMIT_MS; this bounds the
 * sum, so a save cannot hold the runner's event loop for thirty of them.
 */
export const TEMPLATE_SAVE_BUDGET_MS = 200;

/** A template problem as the API reports it: the field, and where in it (1-based). */
export interface TemplateIssue extends ApiIssue {
  line: number | null;
  column: number | null;
  /** The catalogue example it was rendered with, when rendering (not parsing) failed. */
  eventType?: EventType;
}

/**
 * The 400 issue of a TemplateError: `template.<field>`, `line L, column C: problem`, and
 * the example it was rendering when it failed there (a parse error has none).
 */
export function templateIssue(err: TemplateError, rendering?: EventType): TemplateIssue {
  const eventType = err.stage === 'render' ? rendering : undefined;
  const where = err.line === null ? '' : `line ${err.line}, column ${err.column ?? 1}: `;
  const example = eventType ? ` (rendering the ${eventType} example)` : '';
  return {
    path: `template.${err.field}`,
    message: `${where}${err.problem}${example}`,
    in: 'body',
    line: err.line,
    column: err.column,
    ...(eventType ? { eventType } : {}),
  };
}

/** A template that renders, but too slowly to be worth a delivery each time. */
function tooSlow(template: MessageTemplate, spentMs: number, type: EventType) {
  const field = TEMPLATE_FIELDS.find((f) => template[f] !== undefined) ?? 'text';
  return new TemplateError(
    field,
    `takes too long to render: ${Math.round(spentMs)} ms for the examples up to ${type}, more than ${TEMPLATE_SAVE_BUDGET_MS} ms`,
  );
}

/** The fields of a template its provider does not render, as 400 issues. */
function unsupportedFields(provider: AnyProvider, template: MessageTemplate): TemplateIssue[] {
  const takes = provider.templateFields ?? [];
  const offered = takes.length > 0 ? `; it takes ${takes.join(', ')}` : '; it takes no template';
  return TEMPLATE_FIELDS.filter((f) => template[f] !== undefined && !takes.includes(f)).map((f) => ({
    path: `template.${f}`,
    message: `a ${provider.displayName} integration has no ${f} to template${offered}`,
    in: 'body' as const,
    line: null,
    column: null,
  }));
}

/** What Herald sends every integration, whatever its patterns: the test and the confirmation. */
const ALWAYS_SENT: readonly EventType[] = ['integration:test', 'integration:connected'];

/** A 400 for template fields the provider does not render (`template.<field>`). */
export function checkTemplateFields(provider: AnyProvider, template: MessageTemplate | null): void {
  if (template === null) return;
  const unsupported = unsupportedFields(provider, template);
  if (unsupported.length > 0) throw invalidRequest('invalid request body', unsupported);
}

/** Catalogue types an integration with these patterns receives (its template must render each). */
export function typesOf(events: readonly string[]): EventType[] {
  return EVENT_TYPES.filter((t) => ALWAYS_SENT.includes(t) || events.some((p) => patternMatches(p, t)));
}

/**
 * Checks a template before it is saved: its provider renders each field, each parses, and
 * each renders for every catalogue example the integration would take (a webhook body to
 * JSON). A problem is a 400 naming the field, the line and the problem; nothing is written.
 */
export function validateTemplate(
  provider: AnyProvider,
  template: MessageTemplate | null,
  integration: TemplateIntegration,
  eventTypes: readonly EventType[],
): void {
  if (template === null) return;
  checkTemplateFields(provider, template);
  let type: EventType | undefined;
  try {
    const compiled = compileMessage(template);
    const started = performance.now();
    for (type of eventTypes) {
      renderMessageFor(compiled, exampleEvent(type), integration);
      const spentMs = performance.now() - started;
      if (spentMs > TEMPLATE_SAVE_BUDGET_MS) throw tooSlow(template, spentMs, type);
    }
  } catch (err) {
    if (err instanceof TemplateError)
      throw invalidRequest('invalid request body', [templateIssue(err, type)]);
    throw err;
  }
}
