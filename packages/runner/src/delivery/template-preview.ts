import {
  type AnyProvider,
  buildNotification,
  type EventType,
  exampleEvent,
  type HeraldEvent,
  type HttpRequestSpec,
  type Integration,
  isHttpProvider,
  isTeamWideType,
  type MessageTemplate,
  type RenderedMessage,
  renderMessageFor,
  TemplateCache,
} from '@herald/core';
import { maskRequest } from '../secrets.js';

/** The delivery id a preview renders with (a safe token, as a webhook's `webhook-id` needs). */
export const PREVIEW_DELIVERY_ID = 'dlv_preview';

// Previews compile the template being edited, keystroke after keystroke: a small cache of their own.
const PREVIEW_CACHE_SIZE = 100;
const previews = new TemplateCache(PREVIEW_CACHE_SIZE);

export interface PreviewInput {
  provider: AnyProvider;
  integration: Integration;
  /** null: Herald's own wording. */
  template: MessageTemplate | null;
  eventType: EventType;
  headerPrefix: string;
  runnerId: string;
  /** false: the template alone, no provider request (a preview with no config to render it with). */
  withRequest?: boolean;
}

/** What the integration would send for the catalogue example of a type, nothing sent. */
export interface TemplatePreview {
  eventType: EventType;
  event: HeraldEvent;
  /** What the template rendered, field by field; null without a template. */
  message: RenderedMessage | null;
  /** The provider's request, secrets masked as in the delivery log; null for a provider that is not HTTP, or without a config. */
  request: HttpRequestSpec | null;
}

/** The example event as the integration's team would publish it (its first project, if it names any). */
function exampleFor(integration: Integration, type: EventType): HeraldEvent {
  const example = exampleEvent(type);
  const projectId =
    isTeamWideType(type) || integration.projects === null ? example.projectId : integration.projects[0]!;
  return { ...example, teamId: integration.teamId, projectId };
}

/**
 * Renders the template and the provider's request for a catalogue example, as an attempt
 * would (runner id header included) but sending nothing; throws the TemplateError.
 */
export function previewTemplate(input: PreviewInput): TemplatePreview {
  const { provider, integration, template } = input;
  const event = exampleFor(integration, input.eventType);
  const message = template ? renderMessageFor(previews.get(template), event, integration) : undefined;
  if (!isHttpProvider(provider) || input.withRequest === false)
    return { eventType: input.eventType, event, message: message ?? null, request: null };
  const notification = buildNotification({
    event,
    integration: { id: integration.id, name: integration.name },
    deliveryId: PREVIEW_DELIVERY_ID,
    headerPrefix: input.headerPrefix,
    message,
  });
  const spec = provider.render(notification, integration.config);
  const request = {
    ...spec,
    headers: { ...spec.headers, [`${input.headerPrefix}-Runner-Id`]: input.runnerId },
  };
  return {
    eventType: input.eventType,
    event,
    message: message ?? null,
    request: maskRequest(provider, integration.config, request),
  };
}
