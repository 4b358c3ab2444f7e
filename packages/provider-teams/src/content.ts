import type { EventSummary, Severity } from '@herald/core';
import { truncate } from '@herald/core';
import {
  MAX_FACT_TITLE_CHARS,
  MAX_FACT_VALUE_CHARS,
  MAX_FACTS,
  MAX_LINK_URL_CHARS,
  MAX_SCOPE_CHARS,
  MAX_TEXT_CHARS,
  MAX_TITLE_CHARS,
} from './limits.js';

/** What both card formats show, already cut to size. */
export interface CardContent {
  title: string;
  text: string;
  facts: { title: string; value: string }[];
  /** Small line under the facts: scope and time. */
  footer: string;
  /** Link for the "View details" button, or null for none. */
  link: string | null;
  severity: Severity;
}

/** `2026-11-27T09:04:40.916Z` → `2026-11-27 09:04 UTC`: short, and the same for every reader. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return truncate(iso, 40);
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The link button's target: only http(s) (a `javascript:` URL is a valid URL too) and
 * only whole, since a cut link goes nowhere.
 */
function linkOf(url: string | null): string | null {
  if (url === null || url.length > MAX_LINK_URL_CHARS || !/^https?:\/\//i.test(url)) return null;
  return url;
}

/**
 * Cuts a summary to the per-field caps scaled by `scale` (1 = the caps as documented in
 * limits.ts); render lowers `scale` until the whole body fits its byte budget.
 */
export function contentOf(summary: EventSummary, scale = 1): CardContent {
  const cap = (max: number) => Math.max(8, Math.floor(max * scale));
  return {
    title: truncate(summary.title, cap(MAX_TITLE_CHARS)),
    text: truncate(summary.text, cap(MAX_TEXT_CHARS)),
    facts: summary.fields.slice(0, MAX_FACTS).map((f) => ({
      title: truncate(f.label, cap(MAX_FACT_TITLE_CHARS)),
      value: truncate(f.value, cap(MAX_FACT_VALUE_CHARS)),
    })),
    footer: `${truncate(summary.scope, cap(MAX_SCOPE_CHARS))} · ${formatTime(summary.occurredAt)}`,
    link: linkOf(summary.url),
    severity: summary.severity,
  };
}
