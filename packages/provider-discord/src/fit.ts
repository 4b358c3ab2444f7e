import { truncate } from '@herald/core';
import { embedTextLength, MAX_EMBED_TOTAL_CHARS } from './limits.js';
import type { DiscordEmbed } from './message.js';

/**
 * The largest cap such that the lengths, each cut to it, add up to at most `budget`
 * (Infinity when they already fit). Cutting everything to one level keeps short
 * texts whole and takes the characters from the longest ones, the same way every time.
 */
export function levelFor(lengths: readonly number[], budget: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let left = budget;
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(left / (sorted.length - i));
    if (sorted[i]! > share) return share;
    left -= sorted[i]!;
  }
  return Number.POSITIVE_INFINITY;
}

type Step = (embed: DiscordEmbed, excess: number) => DiscordEmbed;

const shrinkDescription: Step = (embed, excess) => {
  if (embed.description === undefined) return embed;
  const keep = embed.description.length - excess;
  const { description, ...rest } = embed;
  return keep > 0 ? { ...rest, description: truncate(description, keep) } : rest;
};

/** Cuts one text of every field to a common level; a field keeps at least one character. */
function shrinkFields(key: 'value' | 'name'): Step {
  return (embed, excess) => {
    const fields = embed.fields ?? [];
    const lengths = fields.map((f) => f[key].length);
    const total = lengths.reduce((a, b) => a + b, 0);
    const level = Math.max(1, levelFor(lengths, total - excess));
    return { ...embed, fields: fields.map((f) => ({ ...f, [key]: truncate(f[key], level) })) };
  };
}

const shrinkFooter: Step = (embed, excess) => {
  if (embed.footer === undefined) return embed;
  const keep = embed.footer.text.length - excess;
  const { footer, ...rest } = embed;
  return keep > 0 ? { ...rest, footer: { text: truncate(footer.text, keep) } } : rest;
};

const shrinkTitle: Step = (embed, excess) => {
  if (embed.title === undefined) return embed;
  return { ...embed, title: truncate(embed.title, Math.max(1, embed.title.length - excess)) };
};

// The description is the longest and least essential text: the title and the
// fields carry the facts. Only when cutting it is not enough do field values give
// way, then (for pathological input only) field names, the footer and the title.
const STEPS: readonly Step[] = [
  shrinkDescription,
  shrinkFields('value'),
  shrinkFields('name'),
  shrinkFooter,
  shrinkTitle,
];

/** The embed cut, deterministically, until its text fits Discord's total of `maxTotal` characters. */
export function fitEmbedTotal(embed: DiscordEmbed, maxTotal: number = MAX_EMBED_TOTAL_CHARS): DiscordEmbed {
  let fitted = embed;
  for (const step of STEPS) {
    const excess = embedTextLength(fitted) - maxTotal;
    if (excess <= 0) break;
    fitted = step(fitted, excess);
  }
  return fitted;
}
