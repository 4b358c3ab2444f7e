import { type CompiledMessage, compileMessage, type MessageTemplate } from './message-template.js';

/** Compiled templates kept per process: one per distinct template, least recently used dropped. */
export const MAX_CACHED_TEMPLATES = 1_000;

/**
 * Compiles a template once and keeps it, keyed by its source, so an integration's template
 * is parsed once per version however many deliveries it makes. A template that does not
 * compile is not kept (it throws each time; saving checks it, so this is rare).
 */
export class TemplateCache {
  readonly #compiled = new Map<string, CompiledMessage>();
  readonly #max: number;

  constructor(max = MAX_CACHED_TEMPLATES) {
    this.#max = max;
  }

  /** The compiled template; throws TemplateError when it does not parse. */
  get(template: MessageTemplate): CompiledMessage {
    const key = `${template.title ?? ''}\u0000${template.text ?? ''}\u0000${template.body ?? ''}\u0000${keyFlags(template)}`;
    const hit = this.#compiled.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.#compiled.delete(key);
      this.#compiled.set(key, hit);
      return hit;
    }
    const compiled = compileMessage(template);
    this.#compiled.set(key, compiled);
    if (this.#compiled.size > this.#max) this.#compiled.delete(this.#compiled.keys().next().value!);
    return compiled;
  }

  get size(): number {
    return this.#compiled.size;
  }
}

// Which fields are present, so `{title: "a"}` and `{text: "a"}` are different keys.
function keyFlags(t: MessageTemplate): string {
  return `${t.title === undefined ? 0 : 1}${t.text === undefined ? 0 : 1}${t.body === undefined ? 0 : 1}`;
}
