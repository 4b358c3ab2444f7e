import type { HttpRequestSpec, Notification } from '@herald/core';
import { workflowsMessageOf } from './adaptive-card.js';
import type { TeamsConfig } from './config.js';
import { teamsUrlKind } from './config.js';
import { contentOf } from './content.js';
import { BODY_BUDGET_BYTES } from './limits.js';
import { messageCardOf } from './message-card.js';

/**
 * Scales applied to the per-field caps, tried in order until the body fits its budget.
 * At the caps themselves an event of ASCII text always fits; the smaller scales are for
 * text that JSON inflates (control characters become six-byte `\u00XX` escapes). At
 * 0.1 even a body made only of such characters, with the longest link kept, fits.
 */
const FIT_SCALES = [1, 0.5, 0.25, 0.1] as const;

/** Renders the POST for a Teams webhook: an Adaptive Card for Workflows, a MessageCard for a legacy connector. */
export function renderTeams(notification: Notification, config: TeamsConfig): HttpRequestSpec {
  const build = teamsUrlKind(config.url) === 'legacy' ? messageCardOf : workflowsMessageOf;
  let body = '';
  for (const scale of FIT_SCALES) {
    body = JSON.stringify(build(contentOf(notification.summary, scale)));
    if (Buffer.byteLength(body, 'utf8') <= BODY_BUDGET_BYTES) break;
  }
  return {
    method: 'POST',
    url: config.url,
    headers: { 'content-type': 'application/json' },
    body,
  };
}
