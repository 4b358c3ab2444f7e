import { z } from 'zod';
import type { HeraldEvent } from '../events/envelope.js';
import { type EventSummary, summarize } from '../events/summary.js';
import { type CompiledTemplate, compileTemplate, MAX_TEMPLATE_CHARS, TemplateError } from './engine.js';

/**
 * What a template may set: a chat message's `title` and `text` (Slack, Discord, Teams), or
 * a webhook's JSON `body`. A provider says which it takes (`templateFields`).
 */
export const TEMPLATE_FIELDS = ['title', 'text', 'body'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Largest rendered webhook body, in UTF-8 bytes: an event's own cap (256 KiB, MAX_EVENT_BYTES). */
export const MAX_RENDERED_BODY_BYTES = 256 * 1024;

const source = z
  .string()
  .min(1, 'must not be empty (leave the field out instead)')
  .max(MAX_TEMPLATE_CHARS, `at most ${MAX_TEMPLATE_CHARS} characters`);

/** An integration's message template: LiquidJS source per field; fields left out keep Herald's wording. */
export const messageTemplateSchema = z
  .strictObject({ title: source.optional(), text: source.optional(), body: source.optional() })
  .refine((t) => TEMPLATE_FIELDS.some((f) => t[f] !== undefined), {
    message: 'give at least one of title, text or body',
  });

export type MessageTemplate = z.infer<typeof messageTemplateSchema>;

/** What a template rendered: the fields it has, as text (`body` checked to be JSON). */
export type RenderedMessage = Partial<Record<TemplateField, string>>;

/** The integration as a template sees it: never its config (secrets, the destination URL). */
export interface TemplateIntegration {
  id: string;
  name: string;
  type: string;
  projects: string[] | null;
}

/** The data a template renders with: `event`, `integration` and `summary` (Herald's own wording). */
export interface TemplateData {
  event: HeraldEvent;
  integration: { id: string; name: string; provider: string; projects: string[] | null };
  summary: EventSummary;
}

/** Builds a template's data from copies, so a template sees plain own properties only. */
export function templateData(
  event: HeraldEvent,
  integration: TemplateIntegration,
  summary: EventSummary,
): TemplateData {
  return {
    event: { ...event },
    integration: {
      id: integration.id,
      name: integration.name,
      provider: integration.type,
      projects: integration.projects === null ? null : [...integration.projects],
    },
    summary: { ...summary },
  };
}

/** A message template compiled field by field. */
export interface CompiledMessage {
  fields: readonly CompiledTemplate[];
}

/** Parses every field of a template; throws the first field's TemplateError. */
export function compileMessage(template: MessageTemplate): CompiledMessage {
  const fields: CompiledTemplate[] = [];
  for (const field of TEMPLATE_FIELDS) {
    const text = template[field];
    if (text !== undefined) fields.push(compileTemplate(field, text));
  }
  return { fields };
}

/**
 * JSON.parse's complaint without the quote of the text it may carry (`Unexpected token '}',
 * "{"a": }" is not valid JSON`): the body holds event data, and reasons reach logs.
 */
function jsonProblem(err: Error): string {
  return err.message.replace(/, ".*" is not valid JSON$/s, '');
}

/** Checks that a rendered body is one JSON value within the size cap; throws TemplateError. */
function checkBody(body: string): void {
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_RENDERED_BODY_BYTES)
    throw new TemplateError('body', `renders ${bytes} bytes, more than ${MAX_RENDERED_BODY_BYTES}`);
  try {
    JSON.parse(body);
  } catch (err) {
    throw new TemplateError('body', `does not render valid JSON (${jsonProblem(err as Error)})`);
  }
}

/** Renders every field; throws TemplateError for a field that fails or a body that is not JSON. */
export function renderMessage(compiled: CompiledMessage, data: TemplateData): RenderedMessage {
  const rendered: RenderedMessage = {};
  for (const template of compiled.fields) {
    const text = template.render(data);
    if (template.field === 'body') checkBody(text);
    rendered[template.field as TemplateField] = text;
  }
  return rendered;
}

/** Renders a compiled template for one event and integration (the data built here); throws TemplateError. */
export function renderMessageFor(
  compiled: CompiledMessage,
  event: HeraldEvent,
  integration: TemplateIntegration,
): RenderedMessage {
  return renderMessage(compiled, templateData(event, integration, summarize(event)));
}
