import type { HttpRequestSpec } from '@herald/core';
import { ADAPTIVE_CARD_CONTENT_TYPE, ADAPTIVE_CARD_VERSION } from './adaptive-card.js';
import { teamsUrlKind } from './config.js';
import {
  MAX_FACT_TITLE_CHARS,
  MAX_FACT_VALUE_CHARS,
  MAX_FACTS,
  MAX_LINK_URL_CHARS,
  MAX_MESSAGE_BYTES,
  MAX_TEXT_CHARS,
  MAX_TITLE_CHARS,
} from './limits.js';

type Json = Record<string, unknown>;
interface Shown {
  title: unknown;
  text: unknown;
  facts: { name: unknown; value: unknown }[];
  links: unknown[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function fromWorkflows(body: Json, problems: string[]): Shown | null {
  const attachments = list(body.attachments);
  const first = attachments[0];
  if (attachments.length !== 1 || !isObject(first)) {
    problems.push('a Workflows message must carry exactly one attachment');
    return null;
  }
  if (first.contentType !== ADAPTIVE_CARD_CONTENT_TYPE) problems.push('attachment is not an Adaptive Card');
  const card = isObject(first.content) ? first.content : {};
  if (card.type !== 'AdaptiveCard') problems.push('attachment content is not of type AdaptiveCard');
  if (card.version !== ADAPTIVE_CARD_VERSION) problems.push(`card version is not ${ADAPTIVE_CARD_VERSION}`);
  const blocks = list(card.body).filter(isObject);
  const texts = blocks.filter((b) => b.type === 'TextBlock').map((b) => b.text);
  const facts = blocks
    .filter((b) => b.type === 'FactSet')
    .flatMap((b) => list(b.facts).filter(isObject))
    .map((f) => ({ name: f.title, value: f.value }));
  const links = list(card.actions)
    .filter(isObject)
    .map((a) => a.url);
  return { title: texts[0], text: texts[1], facts, links };
}

function fromMessageCard(body: Json, problems: string[]): Shown {
  if (typeof body['@context'] !== 'string') problems.push('MessageCard has no @context');
  if (typeof body.summary !== 'string' || body.summary === '') problems.push('MessageCard has no summary');
  const first = list(body.sections)[0];
  const section: Json = isObject(first) ? first : {};
  const links = list(body.potentialAction)
    .filter(isObject)
    .flatMap((a) => list(a.targets).filter(isObject))
    .map((t) => t.uri);
  return {
    title: section.activityTitle,
    text: section.text,
    facts: list(section.facts)
      .filter(isObject)
      .map((f) => ({ name: f.name, value: f.value })),
    links,
  };
}

function tooLong(what: string, value: unknown, max: number): string[] {
  if (typeof value !== 'string') return [`${what} is missing`];
  return value.length > max ? [`${what} has ${value.length} chars, more than ${max}`] : [];
}

/** Checks a rendered request against Teams' size limit and Herald's caps; returns each violation. */
export function checkTeamsLimits(request: HttpRequestSpec): string[] {
  const problems: string[] = [];
  if (request.method !== 'POST') problems.push(`method is ${request.method}, not POST`);
  if (!request.headers['content-type']?.startsWith('application/json')) problems.push('not sent as JSON');
  const bytes = Buffer.byteLength(request.body, 'utf8');
  if (bytes >= MAX_MESSAGE_BYTES)
    problems.push(`body is ${bytes} bytes, Teams takes less than ${MAX_MESSAGE_BYTES}`);
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return [...problems, 'body is not JSON'];
  }
  if (!isObject(body)) return [...problems, 'body is not a JSON object'];
  const legacy = teamsUrlKind(request.url) === 'legacy';
  let shown: Shown | null;
  if (legacy && body['@type'] === 'MessageCard') shown = fromMessageCard(body, problems);
  else if (!legacy && body.type === 'message') shown = fromWorkflows(body, problems);
  else return [...problems, `body is not the ${legacy ? 'MessageCard' : 'Workflows message'} its URL takes`];
  if (shown === null) return problems;
  problems.push(
    ...tooLong('title', shown.title, MAX_TITLE_CHARS),
    ...tooLong('text', shown.text, MAX_TEXT_CHARS),
  );
  if (shown.facts.length > MAX_FACTS) problems.push(`${shown.facts.length} facts, more than ${MAX_FACTS}`);
  shown.facts.forEach((f, i) => {
    problems.push(...tooLong(`fact ${i} name`, f.name, MAX_FACT_TITLE_CHARS));
    problems.push(...tooLong(`fact ${i} value`, f.value, MAX_FACT_VALUE_CHARS));
  });
  shown.links.forEach((url, i) => {
    problems.push(...tooLong(`link ${i}`, url, MAX_LINK_URL_CHARS));
  });
  return problems;
}
