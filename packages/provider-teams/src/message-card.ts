import type { Severity } from '@herald/core';
import type { CardContent } from './content.js';

// The legacy actionable message card that Office 365 connector webhooks take.
// https://learn.microsoft.com/en-us/outlook/actionable-messages/message-card-reference
export const MESSAGE_CARD_CONTEXT = 'https://schema.org/extensions';

/** The card's accent bar per severity (hex RGB without `#`, as the reference shows). */
const THEME_COLOR: Record<Severity, string> = {
  success: '2EB886',
  failure: 'D13438',
  progress: '0078D4',
  alert: 'FFAA44',
  info: '6264A7',
};

export interface MessageCard {
  '@type': 'MessageCard';
  '@context': string;
  themeColor: string;
  /** Required when there is no top-level `text`; Teams shows it in notifications. */
  summary: string;
  sections: {
    activityTitle: string;
    activitySubtitle: string;
    text: string;
    facts?: { name: string; value: string }[];
  }[];
  potentialAction?: { '@type': 'OpenUri'; name: string; targets: { os: 'default'; uri: string }[] }[];
}

/** Builds the MessageCard: accent colour, title, footer as subtitle, text, facts, a link button. */
export function messageCardOf(content: CardContent): MessageCard {
  const section: MessageCard['sections'][number] = {
    activityTitle: content.title,
    activitySubtitle: content.footer,
    text: content.text,
  };
  if (content.facts.length > 0) {
    section.facts = content.facts.map((f) => ({ name: f.title, value: f.value }));
  }
  return {
    '@type': 'MessageCard',
    '@context': MESSAGE_CARD_CONTEXT,
    themeColor: THEME_COLOR[content.severity],
    summary: content.title,
    sections: [section],
    ...(content.link === null
      ? {}
      : {
          potentialAction: [
            { '@type': 'OpenUri', name: 'View details', targets: [{ os: 'default', uri: content.link }] },
          ],
        }),
  };
}
