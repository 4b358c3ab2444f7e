import { truncate } from '@herald/core';

/**
 * Escapes the three characters Slack treats as control characters in mrkdwn, so event
 * data can neither inject links nor mentions such as `<!channel>`.
 * https://docs.slack.dev/messaging/formatting-message-text
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts text to at most `max` UTF-16 units, ending with an ellipsis, never inside a surrogate pair. */
export function cut(text: string, max: number): string {
  if (max <= 0) return '';
  const cutText = truncate(text, max);
  // core's truncate slices UTF-16 units and can leave half an emoji before the ellipsis.
  if (cutText !== text && /[\uD800-\uDBFF]…$/.test(cutText)) return `${cutText.slice(0, -2)}…`;
  return cutText;
}

/**
 * Escapes raw text for mrkdwn and cuts it to `max` characters *after* escaping, so the
 * limit holds and no entity (`&amp;`) or emoji is ever cut in half.
 */
export function fitMrkdwn(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  if (max <= 0) return '';
  let kept = '';
  // Walks code points, so a surrogate pair stays whole; one unit is left for the ellipsis.
  for (const char of raw) {
    const next = escapeMrkdwn(char);
    if (kept.length + next.length > max - 1) break;
    kept += next;
  }
  return `${kept.trimEnd()}…`;
}
