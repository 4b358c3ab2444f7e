import {
  type HeraldEvent,
  type Integration,
  type RenderedMessage,
  renderMessageFor,
  TemplateCache,
  TemplateError,
} from '@herald/core';

// One cache per process (TemplateCache: by the template object, then by its source): an
// integration's template is compiled once per version, and integrations sharing a
// template share its compiled form.
const templates = new TemplateCache();

/** What an integration's template made for an event: the message, or why it could not. */
export type TemplateOutcome =
  | { ok: true; message: RenderedMessage | undefined }
  | { ok: false; reason: string };

const NO_TEMPLATE: TemplateOutcome = { ok: true, message: undefined };

/**
 * Renders the integration's template for the event, if it has one (one property read if
 * not). A template error is a reason, never a throw: it fails the attempt, not the runner.
 */
export function messageOf(integration: Integration, event: HeraldEvent): TemplateOutcome {
  if (!integration.template) return NO_TEMPLATE;
  try {
    return { ok: true, message: renderMessageFor(templates.get(integration.template), event, integration) };
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, reason: err.message };
    // Not the template's fault: still the attempt's failure, named as such.
    return { ok: false, reason: `template failed: ${(err as Error).message}` };
  }
}
