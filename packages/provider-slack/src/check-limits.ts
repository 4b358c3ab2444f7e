import type { HttpRequestSpec } from '@herald/core';
import {
  MAX_ACTIONS_ELEMENTS,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BUTTON_TEXT_CHARS,
  MAX_BUTTON_URL_CHARS,
  MAX_CONTEXT_ELEMENTS,
  MAX_HEADER_TEXT_CHARS,
  MAX_MESSAGE_TEXT_CHARS,
  MAX_SECTION_FIELD_CHARS,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT_CHARS,
  MAX_TEXT_OBJECT_CHARS,
  MAX_TOTAL_BLOCK_TEXT_CHARS,
} from './limits.js';

// Loose shapes: the checker must report a malformed body, not trust its types.
interface TextLike {
  text?: unknown;
}
interface BlockLike {
  type?: unknown;
  text?: TextLike;
  fields?: TextLike[];
  elements?: (TextLike & { type?: unknown; url?: unknown })[];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

class Checker {
  readonly problems: string[] = [];
  totalBlockText = 0;

  /** Checks one text: present, 1..max characters, no half characters. */
  text(where: string, value: unknown, max: number, countsTowardBlocks = true): void {
    if (typeof value !== 'string' || value.length === 0) {
      this.problems.push(`${where}: text is missing or empty`);
      return;
    }
    if (value.length > max) this.problems.push(`${where}: ${value.length} chars > ${max}`);
    if (LONE_SURROGATE.test(value)) this.problems.push(`${where}: cut inside a character`);
    if (countsTowardBlocks) this.totalBlockText += value.length;
  }

  count(where: string, items: unknown[] | undefined, max: number): void {
    if (items !== undefined && items.length > max) this.problems.push(`${where}: ${items.length} > ${max}`);
  }

  block(where: string, block: BlockLike): void {
    switch (block.type) {
      case 'header':
        this.text(`${where}.text`, block.text?.text, MAX_HEADER_TEXT_CHARS);
        return;
      case 'section':
        if (block.text === undefined && block.fields === undefined) {
          this.problems.push(`${where}: a section needs text or fields`);
        }
        if (block.text !== undefined) this.text(`${where}.text`, block.text.text, MAX_SECTION_TEXT_CHARS);
        this.count(`${where}.fields`, block.fields, MAX_SECTION_FIELDS);
        block.fields?.forEach((f, i) => {
          this.text(`${where}.fields[${i}]`, f.text, MAX_SECTION_FIELD_CHARS);
        });
        return;
      case 'context':
        this.count(`${where}.elements`, block.elements, MAX_CONTEXT_ELEMENTS);
        block.elements?.forEach((e, i) => {
          this.text(`${where}.elements[${i}]`, e.text, MAX_TEXT_OBJECT_CHARS);
        });
        return;
      case 'actions':
        this.count(`${where}.elements`, block.elements, MAX_ACTIONS_ELEMENTS);
        block.elements?.forEach((e, i) => {
          const at = `${where}.elements[${i}]`;
          this.text(`${at}.text`, (e.text as TextLike | undefined)?.text, MAX_BUTTON_TEXT_CHARS);
          if (typeof e.url === 'string' && e.url.length > MAX_BUTTON_URL_CHARS) {
            this.problems.push(`${at}.url: ${e.url.length} chars > ${MAX_BUTTON_URL_CHARS}`);
          }
        });
        return;
      default:
        this.problems.push(`${where}: unexpected block type ${JSON.stringify(block.type)}`);
    }
  }
}

/** Every way `request` breaks Slack's documented limits (or Herald's block budget), as text; empty when fine. */
export function checkSlackLimits(request: HttpRequestSpec): string[] {
  if (request.method !== 'POST') return [`method ${request.method} is not POST`];
  if (!request.headers['content-type']?.startsWith('application/json')) {
    return ['content-type is not application/json'];
  }
  let message: { text?: unknown; blocks?: unknown };
  try {
    message = JSON.parse(request.body) as typeof message;
  } catch {
    return ['body is not JSON'];
  }
  const check = new Checker();
  check.text('text', message.text, MAX_MESSAGE_TEXT_CHARS, false);
  if (!Array.isArray(message.blocks)) return [...check.problems, 'blocks is not a list'];
  check.count('blocks', message.blocks, MAX_BLOCKS_PER_MESSAGE);
  message.blocks.forEach((block: BlockLike, i) => {
    check.block(`blocks[${i}]`, block);
  });
  if (check.totalBlockText > MAX_TOTAL_BLOCK_TEXT_CHARS) {
    check.problems.push(`blocks: ${check.totalBlockText} chars of text > ${MAX_TOTAL_BLOCK_TEXT_CHARS}`);
  }
  return check.problems;
}
