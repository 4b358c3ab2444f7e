// Our own narrow shapes of what we send. `buildMessage` checks them against
// `discord-api-types` with `satisfies`, but the public types do not name that package:
// it is a dev dependency, so users of this package's declarations must not need it.

export interface DiscordEmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  /** ISO 8601. */
  timestamp?: string;
  color?: number;
  fields?: DiscordEmbedField[];
  footer?: { text: string };
  author?: { name: string };
}

/** The JSON body of Execute Webhook, as far as Herald uses it. */
export interface DiscordMessage {
  content?: string;
  embeds?: DiscordEmbed[];
  /** Always empty: Herald never lets a message ping anyone. */
  allowed_mentions?: { parse: [] };
}
