import {
  categoryOf,
  type HeraldEvent,
  type Integration,
  passesFilter,
  patternMatches,
  TEAM_SCOPE,
} from '@herald/core';
import { MAX_SKIPS_RECORDED, type SkipReason } from '../store/event-records.js';

type Matchable = Pick<Integration, 'id' | 'enabled' | 'events' | 'projects'> & {
  filter?: Integration['filter'];
};

/**
 * Why a team's integration does not take an event, or null when it does: core's `matches`
 * (same team assumed), told apart. Its filters come first — a switched-off integration
 * that does not listen to the event would not have had it anyway.
 */
export function skipReason(integration: Matchable, event: HeraldEvent): SkipReason | null {
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

/** An event against its team's integrations: who takes it, who does not and why. */
export interface Matched<T> {
  targets: T[];
  /** The first MAX_SKIPS_RECORDED skipped integrations, by id. */
  skipped: Record<string, SkipReason>;
  skippedCount: number;
}

/** Sorts a team's integrations into targets and skips, in one pass. */
export function matchTeam<T extends Matchable>(team: Iterable<T>, event: HeraldEvent): Matched<T> {
  const targets: T[] = [];
  const skipped: Record<string, SkipReason> = {};
  let skippedCount = 0;
  for (const integration of team) {
    const reason = skipReason(integration, event);
    if (reason === null) targets.push(integration);
    else if (skippedCount++ < MAX_SKIPS_RECORDED) skipped[integration.id] = reason;
  }
  return { targets, skipped, skippedCount };
}
