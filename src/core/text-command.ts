import type { AnyCommand } from "./command.ts";
import { userText } from "./user-text.ts";

export type ParsedText = { command: AnyCommand; options: Record<string, unknown> } | { error: string };

/**
 * The free-text grammar of Slack's one slash command (and the terminal): `/docker <question>`,
 * `/docker help`, `/docker topics [tag]`, ... A first word selects a command only when it is that
 * command's exact verb and the rest is valid for it; anything else is a question, so
 * "help me publish a port" is asked, not refused. Never throws.
 */
export function parseCommandText(text: string, commands: readonly AnyCommand[]): ParsedText {
  const trimmed = text.replace(/^\s*\/docker(?=\s|$)/i, "").trim();
  const fallback = commands.find((c) => c.spec.verb === null);
  const help = commands.find((c) => c.spec.verb === "help");
  if (trimmed === "") {
    return help
      ? { command: help, options: {} }
      : { error: "Type a question after /docker, e.g. /docker docker ps -a" };
  }
  const [first = ""] = trimmed.split(/\s+/);
  const verb = first.toLowerCase();
  const rest = trimmed.slice(first.length).trim();
  for (const command of commands) {
    if (command.spec.verb !== verb) continue;
    const options = command.spec.parseText(rest);
    if (options !== null) return { command, options };
  }
  if (!fallback) return { error: `Unknown command "${userText(verb)}". Type /docker help to see what works.` };
  const options = fallback.spec.parseText(trimmed);
  return options === null
    ? { error: "Type a question after /docker, e.g. /docker how do I publish a port?" }
    : { command: fallback, options };
}
