import { z } from 'zod';
import { type ContentFilter, contentFilterSchema, passesFilter } from './content-filter.js';
import { categoryOf, EVENT_TYPES, isEventType } from './events/catalogue.js';
import { type HeraldEvent, TEAM_SCOPE } from './events/envelope.js';
import { SAFE_TOKEN } from './ids.js';

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
  /** Attempts per second for this integration; null takes the provider's default. */
  rateLimitPerSecond: z.number().positive().max(10_000).nullable().default(null),
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

/**
 * Whether an integration wants an event: same team, enabled, a matching type pattern
 * and, for project-scoped events, a matching project. Team-wide events (billing,
 * integration health) belong to no project, so a project list does not filter them out.
 * An integration is never told about its own health changes (it could not deliver them).
 */
export function matches(
  integration: Pick<Integration, 'id' | 'teamId' | 'enabled' | 'events' | 'projects'> & {
    filter?: ContentFilter | null;
  },
  event: HeraldEvent,
): boolean {
  if (integration.teamId !== event.teamId || !integration.enabled) return false;
  if (!integration.events.some((p) => patternMatches(p, event.event))) return false;
  if (categoryOf(event.event) === 'integration') {
    const subject = (event.data as { integration?: { id?: string } }).integration?.id;
    if (subject === integration.id) return false;
  }
  if (integration.projects !== null && event.projectId !== TEAM_SCOPE)
    if (!integration.projects.includes(event.projectId)) return false;
  // One property read for an integration without a filter.
  return !integration.filter || passesFilter(integration.filter, event);
}
