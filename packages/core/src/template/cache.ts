import { type CompiledMessage, compileMessage, type MessageTemplate } from './message-template.js';

/** Compiled templates kept per process: one per distinct template, least recently used dropped. */
export const MAX_CACHED_TEMPLATES = 1_000;

/**
 * Compiles a template once and keeps it, so an integration's template is parsed once per
 * version however many deliveries it makes. Looked up by the template object first (an
 * integration keeps its object until it changes: no hashing of the source per attempt),
 * then by its source, so integrations sharing a template share its compiled form. A
 * template that does not compile is not kept (saving checks it, so this is rare).
 */
export class TemplateCache {
  readonly #bySource = new Map<string, CompiledMessage>();
  #byObject = new WeakMap<MessageTemplate, CompiledMessage>();
  readonly #max: number;

  constructor(max = MAX_CACHED_TEMPLATES) {
    this.#max = max;
  }

  /** The compiled template; throws TemplateError when it does not parse. */
  get(template: MessageTemplate): CompiledMessage {
    const known = this.#byObject.get(template);
    if (known) return known;
    // Unambiguous whatever the fields hold (a NUL included), and tells `title` from `text`.
    const key = JSON.stringify([template.title, template.text, template.body]);
    let compiled = this.#bySource.get(key);
    if (compiled) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.#bySource.delete(key);
    } else {
      compiled = compileMessage(template);
    }
    this.#bySource.set(key, compiled);
    if (this.#bySource.size > this.#max) {
      this.#bySource.delete(this.#bySource.keys().next().value!);
      // Objects may still point at what was dropped: start their map afresh, so the bound holds.
      this.#byObject = new WeakMap();
    }
    this.#byObject.set(template, compiled);
    return compiled;
  }

  /** How many distinct templates are kept. */
  get size(): number {
    return this.#bySource.size;
  }
}
