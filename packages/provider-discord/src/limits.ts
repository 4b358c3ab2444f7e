import type { HttpRequestSpec } from '@herald/core';
import type { DiscordEmbed, DiscordMessage } from './message.js';

// We count UTF-16 code units (`String#length`): an emoji counts two, never fewer than
// Discord's own character count, so we err towards cutting early, never late.

// Execute Webhook: https://discord.com/developers/docs/resources/webhook#execute-webhook-jsonform-params
/** Message `content`. */
export const MAX_CONTENT_CHARS = 2000;
/** Embeds in one message. */
export const MAX_EMBEDS_PER_MESSAGE = 10;

// Embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
export const MAX_EMBED_TITLE_CHARS = 256;
export const MAX_EMBED_DESCRIPTION_CHARS = 4096;
export const MAX_EMBED_FIELDS = 25;
export const MAX_EMBED_FIELD_NAME_CHARS = 256;
export const MAX_EMBED_FIELD_VALUE_CHARS = 1024;
export const MAX_EMBED_FOOTER_TEXT_CHARS = 2048;
export const MAX_EMBED_AUTHOR_NAME_CHARS = 256;
/** Sum of title, description, field names and values, footer text and author name over all embeds. */
export const MAX_EMBED_TOTAL_CHARS = 6000;

/** The characters of one embed that count towards `MAX_EMBED_TOTAL_CHARS`. */
export function embedTextLength(embed: DiscordEmbed): number {
  let total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total + (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0);
}

function over(what: string, length: number, max: number): string[] {
  return length > max ? [`${what} has ${length} characters, more than ${max}`] : [];
}

function checkEmbed(embed: DiscordEmbed, where: string): string[] {
  const problems = [
    ...over(`${where}.title`, embed.title?.length ?? 0, MAX_EMBED_TITLE_CHARS),
    ...over(`${where}.description`, embed.description?.length ?? 0, MAX_EMBED_DESCRIPTION_CHARS),
    ...over(`${where}.footer.text`, embed.footer?.text.length ?? 0, MAX_EMBED_FOOTER_TEXT_CHARS),
    ...over(`${where}.author.name`, embed.author?.name.length ?? 0, MAX_EMBED_AUTHOR_NAME_CHARS),
  ];
  const fields = embed.fields ?? [];
  if (fields.length > MAX_EMBED_FIELDS) {
    problems.push(`${where} has ${fields.length} fields, more than ${MAX_EMBED_FIELDS}`);
  }
  fields.forEach((field, i) => {
    problems.push(...over(`${where}.fields.${i}.name`, field.name.length, MAX_EMBED_FIELD_NAME_CHARS));
    problems.push(...over(`${where}.fields.${i}.value`, field.value.length, MAX_EMBED_FIELD_VALUE_CHARS));
    // Discord answers 400 "This field is required" to a blank name or value.
    if (field.name.trim() === '') problems.push(`${where}.fields.${i}.name is blank`);
    if (field.value.trim() === '') problems.push(`${where}.fields.${i}.value is blank`);
  });
  return problems;
}

/** Every way a rendered request breaks Discord's message and embed limits, as text (empty when it fits). */
export function checkDiscordLimits(request: HttpRequestSpec): string[] {
  let message: DiscordMessage;
  try {
    message = JSON.parse(request.body) as DiscordMessage;
  } catch {
    return ['body is not JSON'];
  }
  const embeds = message.embeds ?? [];
  const problems = [
    ...over('content', message.content?.length ?? 0, MAX_CONTENT_CHARS),
    ...(embeds.length > MAX_EMBEDS_PER_MESSAGE
      ? [`message has ${embeds.length} embeds, more than ${MAX_EMBEDS_PER_MESSAGE}`]
      : []),
  ];
  embeds.forEach((embed, i) => {
    problems.push(...checkEmbed(embed, `embeds.${i}`));
  });
  const total = embeds.reduce((sum, embed) => sum + embedTextLength(embed), 0);
  problems.push(...over('all embeds together', total, MAX_EMBED_TOTAL_CHARS));
  if ((message.content ?? '') === '' && embeds.length === 0) problems.push('message is empty');
  return problems;
}
