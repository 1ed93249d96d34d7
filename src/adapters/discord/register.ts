import { DiscordAPIError, REST, Routes } from "discord.js";
import type { AnyCommand } from "../../core/command.ts";
import { checkDiscordCommands, discordCommands } from "./commands.ts";

export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** Register in one server only (changes show at once; handy while trying Dockhand out). */
  guildId?: string;
  /** The REST base (default Discord's). */
  apiUrl?: string;
}

/**
 * Registers Dockhand's slash commands with one bulk overwrite (PUT), which replaces whatever was
 * registered before. Run it once per release, not on every start: Discord rate-limits command
 * registration, and nothing changes between releases.
 */
export async function registerDiscordCommands(
  commands: readonly AnyCommand[],
  o: RegisterOptions,
): Promise<{ names: string[]; scope: string }> {
  // `contexts` and `integration_types` are only valid on global commands.
  const body = discordCommands(commands).map((c) => {
    if (!o.guildId) return c;
    const { contexts: _c, integration_types: _i, ...guildOnly } = c;
    return guildOnly;
  });
  const problems = checkDiscordCommands(body);
  if (problems.length > 0) throw new Error(`The commands break Discord's rules:\n  ${problems.join("\n  ")}`);
  const rest = new REST({ ...(o.apiUrl ? { api: o.apiUrl } : {}), retries: 2, timeout: 15_000 }).setToken(o.token);
  const route = o.guildId
    ? Routes.applicationGuildCommands(o.applicationId, o.guildId)
    : Routes.applicationCommands(o.applicationId);
  try {
    await rest.put(route, { body });
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status === 401)
      throw new Error("DISCORD_TOKEN was refused by Discord: copy the bot token again (Bot → Reset Token)");
    if (err instanceof DiscordAPIError && (err.status === 403 || err.status === 404))
      throw new Error(
        o.guildId
          ? `Discord refused (${err.status}): check DISCORD_APPLICATION_ID and that the bot was invited to server ${o.guildId} with the applications.commands scope`
          : `Discord refused (${err.status}): check that DISCORD_APPLICATION_ID belongs to this bot token`,
      );
    throw new Error(`Registering the commands failed: ${(err as Error).message}`);
  }
  return { names: body.map((c) => c.name), scope: o.guildId ? `server ${o.guildId}` : "every server (global)" };
}
