import { WebhookVerificationError } from './receiver-errors.js';

// Imports sibling modules alone: part of `@herald/provider-webhook/verify` (see verify.ts).

/** What a verified request's body says: its event type, its data, the parsed JSON. */
export interface ParsedBody {
  event: string;
  data: Record<string, unknown>;
  body: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the raw body: `{event, data}`, or, for a templated integration (`templatedType`
 * from the event-type header), any JSON. Throws `bad_payload`.
 */
export function parseBody(body: string | Uint8Array, templatedType: string | null): ParsedBody {
  let value: unknown;
  try {
    const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
    value = JSON.parse(text);
  } catch (cause) {
    throw new WebhookVerificationError('bad_payload', 'the body is not UTF-8 JSON', { cause });
  }
  if (templatedType !== null)
    return { event: templatedType, data: isObject(value) ? value : {}, body: value };
  const { event, data } = (value ?? {}) as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || !isObject(data)) {
    throw new WebhookVerificationError('bad_payload', 'the body is not {"event": string, "data": object}');
  }
  return { event, data, body: value };
}
