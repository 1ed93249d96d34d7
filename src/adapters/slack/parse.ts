import { parseAction } from "../../core/actions.ts";

/**
 * Inbound Slack text → the plain text the core parses. Slack sends `&`, `<` and `>` as entities
 * and marks mentions, channels and links as `<...>` tokens (slash commands with should_escape,
 * mentions and messages). Tokens are read from the escaped text first and entities decoded after,
 * so a `<` the user typed can never turn into a token.
 *
 * User mentions stay as `<@U123|name>`: the core reads them (`onboard invite @someone`). Channels,
 * special mentions and links become their readable label.
 */
export function slackToPlain(text: string): string {
  return text.replace(/<([^<>]*)>|([^<]+)/g, (_m, token: string | undefined, plain: string | undefined) => {
    if (plain !== undefined) return decodeEntities(plain);
    const t = token ?? "";
    const [target = "", label] = splitToken(t);
    if (target.startsWith("@")) return `<${t}>`;
    if (target.startsWith("#")) return `#${decodeEntities(label ?? target.slice(1))}`;
    if (target.startsWith("!")) {
      // <!here>, <!channel>, <!everyone>, <!subteam^S123|@team>, <!date^...|fallback>
      if (label) return decodeEntities(label);
      return `@${target.slice(1).split("^")[0]}`;
    }
    return decodeEntities(label ?? target);
  });
}

function splitToken(token: string): [string, string | undefined] {
  const bar = token.indexOf("|");
  return bar < 0 ? [token, undefined] : [token.slice(0, bar), token.slice(bar + 1)];
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Removes every mention of the bot (`<@UBOT>` or `<@UBOT|dockhand>`) from a message. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  const mention = botUserId
    ? new RegExp(`<@${escapeRegExp(botUserId)}(\\|[^>]*)?>`, "g")
    : /^\s*<@[A-Z0-9]+(\|[^>]*)?>/;
  return text.replace(mention, " ").replace(/\s+/g, " ").trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The core action id of a pressed button. The renderer puts it in action_id (and value); when
 * action_id is something else, such as a per-message unique id, the value carries it.
 */
export function actionIdOf(action: { action_id: string; value?: unknown }): string {
  if (parseAction(action.action_id)) return action.action_id;
  return typeof action.value === "string" && action.value ? action.value : action.action_id;
}

/** Direct-message conversations have ids starting with D. */
export function isDirectMessage(channelId: string): boolean {
  return channelId.startsWith("D");
}
