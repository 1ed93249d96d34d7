import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { AnyCommand, OptionSpec } from "../../core/command.ts";

/** Discord's rules for chat-input commands (discord.com/developers/docs/interactions/application-commands). */
export const COMMAND_LIMITS = {
  globalCommands: 100,
  nameLength: 32,
  descriptionLength: 100,
  options: 25,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  /** Name, description, and every option's name, description and choices of one command. */
  totalCharacters: 4000,
  maxLength: 6000,
} as const;

/** Names of commands and options: 1–32 letters, digits, `-` or `_`, with no uppercase letter that has a lowercase. */
const NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function option(name: string, spec: OptionSpec): APIApplicationCommandBasicOption {
  const base = { name, description: spec.description, ...(spec.required ? { required: true } : {}) };
  if (spec.type === "integer") {
    return {
      ...base,
      type: ApplicationCommandOptionType.Integer,
      ...(spec.min !== undefined ? { min_value: spec.min } : {}),
      ...(spec.max !== undefined ? { max_value: spec.max } : {}),
    };
  }
  const string = {
    ...base,
    type: ApplicationCommandOptionType.String as const,
    ...(spec.maxLength !== undefined ? { max_length: spec.maxLength } : {}),
  };
  if (spec.suggest) return { ...string, autocomplete: true };
  if (spec.choices) return { ...string, choices: spec.choices.map((c) => ({ name: c, value: c })) };
  return string;
}

/**
 * One chat-input command per spec, for a bulk PUT to /applications/{id}/commands. Options keep the spec's order
 * except that required ones come first, as Discord requires. Admin commands are hidden from members without
 * Manage Server (server admins can change that per command in Integrations); the handlers check again anyway.
 * Commands are installed to servers; those whose spec says `dm` also work in a DM with the bot.
 */
export function discordCommands(commands: readonly AnyCommand[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map(({ spec }) => {
    const entries = Object.entries(spec.options as Record<string, OptionSpec>);
    const ordered = [...entries.filter(([, o]) => o.required), ...entries.filter(([, o]) => !o.required)];
    const inDms = spec.dm === true && !spec.admin;
    return {
      type: ApplicationCommandType.ChatInput,
      name: spec.name,
      description: spec.description,
      ...(ordered.length > 0 ? { options: ordered.map(([name, o]) => option(name, o)) } : {}),
      ...(spec.admin ? { default_member_permissions: PermissionFlagsBits.ManageGuild.toString() } : {}),
      integration_types: [ApplicationIntegrationType.GuildInstall],
      contexts: inDms ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild],
    };
  });
}

function checkName(what: string, name: string): string[] {
  const out: string[] = [];
  if (!NAME.test(name)) out.push(`${what}: the name must be 1-${COMMAND_LIMITS.nameLength} letters, digits, - or _`);
  if (name !== name.toLowerCase()) out.push(`${what}: the name must be lowercase`);
  return out;
}

function checkDescription(what: string, description: string): string[] {
  const n = description.length;
  return n >= 1 && n <= COMMAND_LIMITS.descriptionLength
    ? []
    : [`${what}: the description must be 1-${COMMAND_LIMITS.descriptionLength} characters (it has ${n})`];
}

function checkOption(command: string, o: APIApplicationCommandOption): string[] {
  const what = `/${command} option ${o.name}`;
  const out = [...checkName(what, o.name), ...checkDescription(what, o.description)];
  const choices: readonly { name: string; value: string | number }[] =
    "choices" in o && Array.isArray(o.choices) ? o.choices : [];
  if (choices.length > COMMAND_LIMITS.choices) {
    out.push(`${what}: at most ${COMMAND_LIMITS.choices} choices (it has ${choices.length})`);
  }
  if ("autocomplete" in o && o.autocomplete && choices.length > 0) {
    out.push(`${what}: autocomplete cannot be combined with choices`);
  }
  for (const c of choices) {
    if (c.name.length < 1 || c.name.length > COMMAND_LIMITS.choiceName) {
      out.push(`${what}: choice name "${c.name.slice(0, 40)}" must be 1-${COMMAND_LIMITS.choiceName} characters`);
    }
    if (typeof c.value === "string" && c.value.length > COMMAND_LIMITS.choiceValue) {
      out.push(
        `${what}: choice value "${c.value.slice(0, 40)}" must be at most ${COMMAND_LIMITS.choiceValue} characters`,
      );
    }
  }
  if (new Set(choices.map((c) => c.name)).size !== choices.length) out.push(`${what}: choice names must be unique`);
  if (o.type === ApplicationCommandOptionType.String) {
    const { min_length: min, max_length: max } = o;
    if (max !== undefined && (max < 1 || max > COMMAND_LIMITS.maxLength)) {
      out.push(`${what}: max_length must be 1-${COMMAND_LIMITS.maxLength}`);
    }
    if (min !== undefined && max !== undefined && min > max) out.push(`${what}: min_length is above max_length`);
  }
  if (o.type === ApplicationCommandOptionType.Integer || o.type === ApplicationCommandOptionType.Number) {
    const { min_value: min, max_value: max } = o;
    if (min !== undefined && max !== undefined && min > max) out.push(`${what}: min_value is above max_value`);
  }
  return out;
}

/** Every character Discord counts towards a command's 4,000: names, descriptions and choices. */
function characters(command: RESTPostAPIChatInputApplicationCommandsJSONBody): number {
  let n = command.name.length + command.description.length;
  for (const o of command.options ?? []) {
    n += o.name.length + o.description.length;
    const choices = "choices" in o && Array.isArray(o.choices) ? o.choices : [];
    for (const c of choices as { name: string; value: string | number }[]) n += c.name.length + String(c.value).length;
  }
  return n;
}

/**
 * The problems Discord would refuse these commands for, one line each (empty when there are none): names and
 * option names (pattern, lowercase, unique), descriptions, option and choice counts and lengths, required options
 * before optional ones, autocomplete without choices, the 4,000 characters of a command, and 100 commands.
 */
export function checkDiscordCommands(json: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[]): string[] {
  const out: string[] = [];
  if (json.length > COMMAND_LIMITS.globalCommands) {
    out.push(`at most ${COMMAND_LIMITS.globalCommands} global commands (there are ${json.length})`);
  }
  const names = new Set<string>();
  for (const command of json) {
    const what = `/${command.name}`;
    if (names.has(command.name)) out.push(`${what}: the name is used twice`);
    names.add(command.name);
    out.push(...checkName(what, command.name), ...checkDescription(what, command.description));
    const options = command.options ?? [];
    if (options.length > COMMAND_LIMITS.options) {
      out.push(`${what}: at most ${COMMAND_LIMITS.options} options (it has ${options.length})`);
    }
    const optionNames = new Set<string>();
    let optionalSeen = false;
    for (const o of options) {
      if (optionNames.has(o.name)) out.push(`${what}: option ${o.name} is used twice`);
      optionNames.add(o.name);
      const required = "required" in o && o.required === true;
      if (required && optionalSeen) out.push(`${what}: required option ${o.name} comes after an optional one`);
      if (!required) optionalSeen = true;
      out.push(...checkOption(command.name, o));
    }
    const total = characters(command);
    if (total > COMMAND_LIMITS.totalCharacters) {
      out.push(
        `${what}: ${total} characters in names, descriptions and choices (at most ${COMMAND_LIMITS.totalCharacters})`,
      );
    }
  }
  return out;
}
