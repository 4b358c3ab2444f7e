import { createRequire } from 'node:module';
import { EVENT_TYPES, exampleEvent, type HeraldEvent } from '@herald/core';
import { inflateEvent } from '@herald/core/testing';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../src/index.js';
import { render, renderJson } from './fixtures.js';

// The package's ESM build does not resolve in Node; its CommonJS bundle does.
const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Parses a card with the reference renderer's parser; returns every problem it reports. */
function parseProblems(card: unknown): { problems: string[]; roundTrip: unknown } {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  return { problems, roundTrip: parsed.toJSON() };
}

function cardOf(event: HeraldEvent) {
  return renderJson(event).attachments[0].content;
}

const cases = EVENT_TYPES.flatMap((type) => [
  [type, exampleEvent(type)] as const,
  [`${type} (inflated)`, inflateEvent(exampleEvent(type))] as const,
]);

describe('teams provider — Adaptive Cards', () => {
  it.each(cases)('%s passes the adaptivecards parser without a single event', (_name, event) => {
    expect(parseProblems(cardOf(event)).problems).toEqual([]);
  });

  it.each(cases)('%s uses only properties the parser knows (it round-trips unchanged)', (_name, event) => {
    // The parser drops what it does not know, so a misspelt property or a bad enum value
    // shows up as a difference. `msteams` is Teams' own extension, unknown to the library.
    const { msteams, ...card } = cardOf(event);
    expect(msteams).toEqual({ width: 'Full' });
    expect(parseProblems(card).roundTrip).toEqual(card);
  });

  it('notices a bad card, so the checks above can fail', () => {
    const card = cardOf(exampleEvent('build:failure'));
    card.body.push({ type: 'Carousel' });
    card.body[0].color = 'Purple';
    expect(parseProblems(card).problems).toHaveLength(2);
  });

  it.each(EVENT_TYPES)('%s inflated stays under 28 KB, as a Workflows card and as a MessageCard', (type) => {
    const event = inflateEvent(exampleEvent(type));
    for (const request of [
      render(event),
      render(event, { url: 'https://contoso.webhook.office.com/webhookb2/x' }),
    ]) {
      expect(Buffer.byteLength(request.body)).toBeLessThan(MAX_MESSAGE_BYTES);
    }
  });

  it('colours the title by severity', () => {
    const colorOf = (type: Parameters<typeof exampleEvent>[0]) => cardOf(exampleEvent(type)).body[0].color;
    expect(colorOf('build:success')).toBe('Good');
    expect(colorOf('build:failure')).toBe('Attention');
    expect(colorOf('deployment:start')).toBe('Accent');
    expect(colorOf('alert:memory-high')).toBe('Warning');
    expect(colorOf('billing:invoice-created')).toBe('Default');
  });
});
