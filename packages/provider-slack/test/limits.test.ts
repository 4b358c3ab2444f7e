import type { HttpRequestSpec } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { checkSlackLimits, MAX_TOTAL_BLOCK_TEXT_CHARS } from '../src/index.js';

const request = (message: unknown): HttpRequestSpec => ({
  method: 'POST',
  url: 'https://hooks.slack.com/services/T/B/x',
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(message),
});
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text });
const valid = {
  text: 'fallback',
  blocks: [
    { type: 'header', text: plain('Title') },
    { type: 'section', text: mrkdwn('Text'), fields: [mrkdwn('*A*\nb')] },
    { type: 'context', elements: [mrkdwn('where · when')] },
    { type: 'actions', elements: [{ type: 'button', text: plain('Open'), url: 'https://example.com' }] },
  ],
};

describe('checkSlackLimits — catches what Slack would reject', () => {
  it('accepts a message within every limit', () => {
    expect(checkSlackLimits(request(valid))).toEqual([]);
  });

  it.each([
    [
      'a header over 150 characters',
      { ...valid, blocks: [{ type: 'header', text: plain('h'.repeat(151)) }] },
      'blocks[0].text: 151 chars > 150',
    ],
    [
      'section text over 3000',
      { ...valid, blocks: [{ type: 'section', text: mrkdwn('s'.repeat(3001)) }] },
      'blocks[0].text: 3001 chars > 3000',
    ],
    [
      'more than 10 fields',
      { ...valid, blocks: [{ type: 'section', fields: Array(11).fill(mrkdwn('f')) }] },
      'blocks[0].fields: 11 > 10',
    ],
    [
      'a field over 2000',
      { ...valid, blocks: [{ type: 'section', fields: [mrkdwn('f'.repeat(2001))] }] },
      'blocks[0].fields[0]: 2001 chars > 2000',
    ],
    [
      'more than 10 context elements',
      { ...valid, blocks: [{ type: 'context', elements: Array(11).fill(mrkdwn('c')) }] },
      'blocks[0].elements: 11 > 10',
    ],
    [
      'a button text over 75',
      {
        ...valid,
        blocks: [{ type: 'actions', elements: [{ type: 'button', text: plain('b'.repeat(76)) }] }],
      },
      'blocks[0].elements[0].text: 76 chars > 75',
    ],
    [
      'a button URL over 3000',
      {
        ...valid,
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', text: plain('b'), url: `https://e.com/${'u'.repeat(3000)}` }],
          },
        ],
      },
      'blocks[0].elements[0].url: 3014 chars > 3000',
    ],
    [
      'more than 50 blocks',
      { ...valid, blocks: Array(51).fill({ type: 'header', text: plain('h') }) },
      'blocks: 51 > 50',
    ],
    ['top-level text over 40 000', { ...valid, text: 't'.repeat(40_001) }, 'text: 40001 chars > 40000'],
    ['an empty fallback text', { ...valid, text: '' }, 'text: text is missing or empty'],
    [
      'an empty header',
      { ...valid, blocks: [{ type: 'header', text: plain('') }] },
      'blocks[0].text: text is missing or empty',
    ],
    [
      'a section with neither text nor fields',
      { ...valid, blocks: [{ type: 'section' }] },
      'blocks[0]: a section needs text or fields',
    ],
    [
      'text cut inside an emoji',
      { ...valid, blocks: [{ type: 'header', text: plain('🚀'.slice(0, 1)) }] },
      'blocks[0].text: cut inside a character',
    ],
  ])('reports %s', (_what, message, problem) => {
    expect(checkSlackLimits(request(message))).toContain(problem);
  });

  it("reports blocks whose text adds up past Herald's budget, not at it", () => {
    const fields = Array(5).fill(mrkdwn('f'.repeat(2000)));
    expect(checkSlackLimits(request({ ...valid, blocks: [{ type: 'section', fields }] }))).toEqual([]);
    const over = checkSlackLimits(
      request({ ...valid, blocks: [{ type: 'section', text: mrkdwn('x'), fields }] }),
    );
    expect(over).toEqual([`blocks: 10001 chars of text > ${MAX_TOTAL_BLOCK_TEXT_CHARS}`]);
  });

  it('reports a body that is not JSON, or not a POST of JSON', () => {
    expect(checkSlackLimits({ ...request(valid), body: '{' })).toEqual(['body is not JSON']);
    expect(checkSlackLimits({ ...request(valid), method: 'PUT' })).toEqual(['method PUT is not POST']);
    expect(checkSlackLimits({ ...request(valid), headers: {} })).toEqual([
      'content-type is not application/json',
    ]);
  });
});
