import { z } from 'zod';
import { type ContentFilter, contentFilterSchema, passesFilter } from './content-filter.js';
import { categoryOf, EVENT_TYPES, isEventType } from './events/catalogue.js';
import { type HeraldEvent, TEAM_SCOPE } from './events/envelope.js';
import { SAFE_TOKEN } from './ids.js';
import { messageTemplateSchema } from './template/message-template.js';

export const INTEGRATION_STATES = ['healthy', 'failing', 'disabled'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

/** An event pattern: an exact type (`build:start`), a category (`build:*`) or `*`. */
export const eventPatternSchema = z
  .string()
  .refine(
    (p) =>
      p === '*' ||
      isEventType(p) ||
      (p.endsWith(':*') && EVENT_TYPES.some((t) => categoryOf(t) === p.slice(0, -2))),
    { message: 'must be an event type (build:start), a category (build:*) or *' },
  );

const token = z.string().regex(SAFE_TOKEN, 'must match [A-Za-z0-9_-]{1,64}');

/** The integration as stored: where one team wants which events to go. */
export const integrationSchema = z.object({
  id: token,
  teamId: token,
  name: z.string().trim().min(1).max(200),
  type: z.string().min(1).max(64),
  config: z.record(z.string(), z.unknown()),
  events: z.array(eventPatternSchema).min(1, 'pick at least one event type'),
  projects: z.array(token).min(1, 'use null for all projects').nullable(),
  enabled: z.boolean(),
  /** Conditions on the event's data (content-filter.ts); null: every matching event. */
  filter: contentFilterSchema.nullable().default(null),
  /** The message's template (LiquidJS, template/); null: Herald's own wording. */
  template: messageTemplateSchema.nullable().default(null),
  /** Attempts per second for this integration; null takes the provider's default. */
  rateLimitPerSecond: z.number().positive().max(10_000).nullable().default(null),
  /** Deliveries attempted one at a time in the events stream's order (ordering.ts). */
  ordered: z.boolean().default(false),
  /** Events published from then on go through the ordered queue (set when ordering is switched on). */
  orderedFrom: z.iso.datetime({ offset: true }).nullable().default(null),
  /** Switched off: events published before then still go through the ordered queue. */
  orderedUntil: z.iso.datetime({ offset: true }).nullable().default(null),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }).optional(),
});

export type Integration = z.infer<typeof integrationSchema>;

/** True when `pattern` selects events of `type`. */
export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith(':*')) return categoryOf(type) === pattern.slice(0, -2);
  return pattern === type;
}

/** Why an integration of the event's team does not take it (see `mismatchOf`). */
export type Mismatch = 'event-type' | 'own-health' | 'project' | 'content' | 'disabled';

type Matchable = Pick<Integration, 'id' | 'enabled' | 'events' | 'projects'> & {
  filter?: ContentFilter | null;
};

/**
 * Why an integration of the event's team does not take the event, or null when it does:
 * a type pattern must match; it is never told about its own health changes (it could not
 * deliver them); for project-scoped events a project list must name the project
 * (team-wide events — billing, integration health — belong to no project); its content
 * filter must pass; and it must be enabled. Filters come before `disabled`: a switched-off
 * integration that does not listen to the event would not have had it anyway.
 */
export function mismatchOf(integration: Matchable, event: HeraldEvent): Mismatch | null {
  if (!integration.events.some((p) => patternMatches(p, event.event))) return 'event-type';
  if (categoryOf(event.event) === 'integration') {
    const subject = (event.data as { integration?: { id?: string } }).integration?.id;
    if (subject === integration.id) return 'own-health';
  }
  if (integration.projects !== null && event.projectId !== TEAM_SCOPE)
    if (!integration.projects.includes(event.projectId)) return 'project';
  // One property read for an integration without a content filter.
  if (integration.filter && !passesFilter(integration.filter, event)) return 'content';
  return integration.enabled ? null : 'disabled';
}

/** Whether an integration wants an event: the same team, and no `mismatchOf`. */
export function matches(integration: Matchable & Pick<Integration, 'teamId'>, event: HeraldEvent): boolean {
  return integration.teamId === event.teamId && mismatchOf(integration, event) === null;
}
