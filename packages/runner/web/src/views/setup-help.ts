import { type Child, h } from '../dom.js';

const URL_IN_TEXT = /https?:\/\/[^\s)"'<>]+/g;

/** Setup help: numbered lines become a list; plain URLs become links (opened apart from the dashboard). */
export function setupHelp(text: string): HTMLElement {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const linkify = (line: string): Child[] => {
    const out: Child[] = [];
    let at = 0;
    for (const m of line.matchAll(URL_IN_TEXT)) {
      const url = m[0].replace(/[.,;:]+$/, '');
      if (url.includes('…')) continue;
      out.push(
        line.slice(at, m.index),
        h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url),
      );
      at = m.index + url.length;
    }
    out.push(line.slice(at));
    return out;
  };
  const numbered = lines.filter((l) => /^\d+\.\s/.test(l));
  const steps = numbered.length >= 2 ? numbered : lines;
  const rest = numbered.length >= 2 ? lines.filter((l) => !/^\d+\.\s/.test(l)) : [];
  return h(
    'aside',
    { class: 'help', 'aria-label': 'Setup help' },
    h('p', { class: 'help-title' }, 'How to set it up'),
    h(
      numbered.length >= 2 ? 'ol' : 'ul',
      null,
      steps.map((l) => h('li', null, linkify(l.replace(/^\d+\.\s/, '')))),
    ),
    rest.map((l) => h('p', null, linkify(l))),
  );
}
