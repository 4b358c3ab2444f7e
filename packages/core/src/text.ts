// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * What is wrong with a name or URL that holds a control character (C0 such as NUL, tab,
 * CR and LF; DEL; C1; the Unicode line and paragraph separators), in words that name
 * the character but never quote the input (it may be a secret); undefined when clean.
 * These are refused rather than stripped: a URL parser drops tabs and line breaks
 * silently, so what was stored would not be what is sent.
 */
export function controlCharacterProblem(text: string): string | undefined {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters (U+${code} at position ${found.index})`;
}
