import { h } from '../dom.js';
import { duration } from '../format.js';
import type { TestResult } from '../types.js';
import { callout, codeBadge, codeBlock } from '../ui.js';

/** The answer to "send test notification" (or a new integration's confirmation): delivered or not, the status, and what came back. */
export function testResultPanel(
  result: TestResult,
  note?: string,
  what: 'Test notification' | 'Confirmation' = 'Test notification',
): HTMLElement {
  const status = h(
    'span',
    { class: 'test-meta' },
    codeBadge(result.status),
    ` in ${duration(result.durationMs)}`,
  );
  const body = result.response ? codeBlock(result.response.body, 'Response body') : null;
  const el = result.ok
    ? callout('good', `${what} delivered`, h('p', null, status), body)
    : callout(
        'bad',
        `${what} failed`,
        h('p', null, status, result.reason || result.error ? ` — ${result.reason ?? result.error}` : ''),
        body,
      );
  el.id = 'test-result';
  el.setAttribute('data-ok', String(result.ok));
  if (note) el.querySelector('.callout-body')?.appendChild(h('p', { class: 'hint' }, note));
  return el;
}
