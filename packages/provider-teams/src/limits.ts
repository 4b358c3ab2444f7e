// Teams documents one hard limit for webhook posts: the size of the whole message.
// Neither Adaptive Cards nor MessageCards document per-field limits, so the per-field
// caps below are Herald's choices, made so that a card stays readable in a channel;
// lengths are UTF-16 code units (JavaScript's `length`).

/**
 * A webhook message may be at most 28 KB; above it Teams answers with an error.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 * (and, for Workflows' "Post card in a chat or channel" action, "about 28 KB":
 * https://learn.microsoft.com/en-us/connectors/teams/#known-issues-and-limitations-with-actions)
 */
export const MAX_MESSAGE_BYTES = 28 * 1024;

/**
 * What render aims for. Teams measures the message as it stores it, after Workflows
 * or the connector wrapped the card, so Herald keeps 4 KB of the 28 KB as headroom.
 */
export const BODY_BUDGET_BYTES = 24 * 1024;

/**
 * More than four requests per second to one webhook are throttled (HTTP 429).
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 */
export const MAX_REQUESTS_PER_SECOND = 4;

/**
 * Wait after a 429 that names no delay. Microsoft's answer for connector webhooks is
 * "nearly 10–15 seconds" (https://github.com/MicrosoftDocs/msteams-docs/issues/7576).
 */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 15_000;

/** Herald's choice: the bold title line (also the MessageCard `summary`). */
export const MAX_TITLE_CHARS = 256;

/** Herald's choice: the sentence under the title. */
export const MAX_TEXT_CHARS = 2_000;

/** Herald's choice: facts in the FactSet (summaries have at most five). https://adaptivecards.io/explorer/FactSet.html */
export const MAX_FACTS = 10;

/** Herald's choice: a fact's label is a word or two. https://adaptivecards.io/explorer/Fact.html */
export const MAX_FACT_TITLE_CHARS = 80;

/** Herald's choice: a fact's value. https://adaptivecards.io/explorer/Fact.html */
export const MAX_FACT_VALUE_CHARS = 500;

/** Herald's choice: the project or team name in the small footer line. */
export const MAX_SCOPE_CHARS = 100;

/**
 * A link longer than this is left out rather than cut, since a cut link goes nowhere.
 * Not a Teams limit: the length every browser and proxy is known to carry.
 */
export const MAX_LINK_URL_CHARS = 2_048;
