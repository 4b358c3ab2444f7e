import type { Severity } from '@herald/core';
import type { CardContent } from './content.js';

// Adaptive Card 1.4 uses nothing newer than the card needs: a 1.5 card is "incompatible
// with older clients" of Teams and Outlook.
// https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/work-with-universal-actions-for-adaptive-cards
export const ADAPTIVE_CARD_VERSION = '1.4';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The title's colour per severity, from the host's palette. https://adaptivecards.io/explorer/TextBlock.html */
const TITLE_COLOR: Record<Severity, string> = {
  success: 'Good',
  failure: 'Attention',
  progress: 'Accent',
  alert: 'Warning',
  info: 'Default',
};

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  msteams: { width: 'Full' };
}

/** The message a Workflows webhook expects: one Adaptive Card attachment. */
export interface WorkflowsMessage {
  type: 'message';
  attachments: { contentType: string; contentUrl: null; content: AdaptiveCard }[];
}

/** Builds the Adaptive Card: coloured title, text, facts, a subtle footer, a link button. */
export function adaptiveCardOf(content: CardContent): AdaptiveCard {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: content.title,
      weight: 'Bolder',
      size: 'Medium',
      color: TITLE_COLOR[content.severity],
      wrap: true,
    },
    { type: 'TextBlock', text: content.text, wrap: true },
  ];
  if (content.facts.length > 0) {
    body.push({ type: 'FactSet', facts: content.facts });
  }
  body.push({
    type: 'TextBlock',
    text: content.footer,
    size: 'Small',
    isSubtle: true,
    wrap: true,
    spacing: 'Small',
  });
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(content.link === null
      ? {}
      : { actions: [{ type: 'Action.OpenUrl', title: 'View details', url: content.link }] }),
    // Without it Teams draws the card at a narrow fixed width, and facts wrap early.
    msteams: { width: 'Full' },
  };
}

/** Wraps a card the way the "Post to a channel when a webhook request is received" flow reads it. */
export function workflowsMessageOf(content: CardContent): WorkflowsMessage {
  return {
    type: 'message',
    attachments: [
      { contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: adaptiveCardOf(content) },
    ],
  };
}
