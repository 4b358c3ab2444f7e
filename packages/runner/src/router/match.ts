import { type HeraldEvent, type Integration, mismatchOf } from '@herald/core';
import { MAX_SKIPS_RECORDED, type SkipReason } from '../store/event-records.js';

type Matchable = Pick<Integration, 'id' | 'enabled' | 'events' | 'projects'> & {
  filter?: Integration['filter'];
};

/** Why a team's integration does not take an event, or null when it does: core's `mismatchOf`. */
export function skipReason(integration: Matchable, event: HeraldEvent): SkipReason | null {
  return mismatchOf(integration, event);
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
