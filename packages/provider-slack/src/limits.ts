// Slack's documented limits for a Block Kit message sent to an incoming webhook.
// Counts are UTF-16 code units (JavaScript's `length`), which is never less than
// the number of characters Slack counts, so staying under them is always safe.

/** Blocks in one message. https://docs.slack.dev/reference/block-kit/blocks */
export const MAX_BLOCKS_PER_MESSAGE = 50;

/** Text of a header block. https://docs.slack.dev/reference/block-kit/blocks/header-block */
export const MAX_HEADER_TEXT_CHARS = 150;

/** Text of a section block. https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_TEXT_CHARS = 3000;

/** Fields of a section block. https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_FIELDS = 10;

/** Text of one section field. https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const MAX_SECTION_FIELD_CHARS = 2000;

/** Elements of a context block. https://docs.slack.dev/reference/block-kit/blocks/context-block */
export const MAX_CONTEXT_ELEMENTS = 10;

/** Any text object (here: a context element). https://docs.slack.dev/reference/block-kit/composition-objects/text-object */
export const MAX_TEXT_OBJECT_CHARS = 3000;

/** Elements of an actions block. https://docs.slack.dev/reference/block-kit/blocks/actions-block */
export const MAX_ACTIONS_ELEMENTS = 25;

/** Text of a button. https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_TEXT_CHARS = 75;

/** URL of a link button. https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const MAX_BUTTON_URL_CHARS = 3000;

/**
 * Top-level `text`: Slack truncates beyond this.
 * https://docs.slack.dev/reference/methods/chat.postMessage#truncating
 */
export const MAX_MESSAGE_TEXT_CHARS = 40_000;

/**
 * What Slack recommends for top-level `text` (same page); the fallback only feeds
 * notifications and screen readers, so Herald cuts it here rather than at 40 000.
 */
export const RECOMMENDED_MESSAGE_TEXT_CHARS = 4_000;

/**
 * Herald's own budget for all block text together. Slack rejects messages whose blocks
 * add up to roughly 12 000–13 000 characters (`msg_blocks_too_long`) although no
 * per-block limit is crossed; the cumulative limit is undocumented
 * (https://github.com/slackapi/bolt-js/issues/2509, https://github.com/slackapi/bolt-js/issues/2867),
 * so we stay well below it.
 */
export const MAX_TOTAL_BLOCK_TEXT_CHARS = 10_000;

/** Herald's choice: a field label is a word or two; a longer one is cut to keep the value readable. */
export const MAX_FIELD_LABEL_CHARS = 100;

/** Herald's choice: the project/team name in the context line. */
export const MAX_SCOPE_CHARS = 200;
