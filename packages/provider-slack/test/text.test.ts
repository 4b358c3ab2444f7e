import { describe, expect, it } from 'vitest';
import { cut, escapeMrkdwn, fitMrkdwn } from '../src/text.js';

describe('slack text — escaping and cutting', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d *e* _f_')).toBe('a &amp; b &lt; c &gt; d *e* _f_');
  });

  it('leaves text that fits alone', () => {
    expect(fitMrkdwn('a & b', 9)).toBe('a &amp; b');
    expect(cut('short', 10)).toBe('short');
  });

  it('cuts after escaping, keeping room for the ellipsis', () => {
    expect(fitMrkdwn('a & b', 8)).toBe('a &amp;…');
    expect(fitMrkdwn('a & b', 7)).toBe('a…');
  });

  it('gives nothing when there is no room at all', () => {
    expect(fitMrkdwn('abc', 0)).toBe('');
    expect(cut('abc', 0)).toBe('');
    expect(cut('abc', -3)).toBe('');
  });

  it('drops a half emoji rather than leave it before the ellipsis', () => {
    expect(cut('ab🚀cd', 4)).toBe('ab…');
    expect(cut('ab🚀cd', 5)).toBe('ab🚀…');
  });
});
