import {
  type APIApplicationCommandBasicOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { describe, expect, it } from "vitest";
import { commands } from "../../../commands/index.ts";
import { checkDiscordCommands, discordCommands } from "../../../src/adapters/discord/commands.ts";
import { type AnyCommand, defineCommand } from "../../../src/core/command.ts";
import { MAX_QUERY_LENGTH } from "../../../src/core/knowledge/search.ts";
import { notice } from "../../../src/core/reply.ts";

type Json = RESTPostAPIChatInputApplicationCommandsJSONBody;

const json = discordCommands(commands);
const byName = (name: string): Json => {
  const found = json.find((c) => c.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
};
const optionsOf = (c: Json) => (c.options ?? []) as APIApplicationCommandBasicOption[];

describe("discordCommands on the real registry", () => {
  it("makes one chat-input command per spec, in order, that Discord accepts", () => {
    expect(json.map((c) => c.name)).toEqual(commands.map((c) => c.spec.name));
    expect(checkDiscordCommands(json)).toEqual([]);
    for (const c of json) {
      expect(c.type).toBe(ApplicationCommandType.ChatInput);
      expect(c.integration_types).toEqual([ApplicationIntegrationType.GuildInstall]);
    }
  });

  it("gives /docker a required question with autocomplete and the search's length cap", () => {
    expect(byName("docker")).toEqual({
      type: ApplicationCommandType.ChatInput,
      name: "docker",
      description: "Ask a Docker question, e.g. volumes vs bind mounts",
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: "question",
          description: "Your question, e.g. how do I publish a port",
          required: true,
          max_length: MAX_QUERY_LENGTH,
          autocomplete: true,
        },
      ],
      integration_types: [ApplicationIntegrationType.GuildInstall],
      contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    });
  });

  it("hides the admin command from members without Manage Server and keeps it out of DMs", () => {
    const gaps = byName("gaps");
    expect(gaps.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    expect(gaps.default_member_permissions).toBe("32");
    expect(gaps.contexts).toEqual([InteractionContextType.Guild]);
    for (const c of json.filter((x) => x.name !== "gaps")) expect(c.default_member_permissions, c.name).toBeUndefined();
  });

  it("offers asking, browsing, onboarding and help in DMs with the bot, and the quiz only in servers", () => {
    for (const name of ["docker", "topics", "onboard", "help"]) {
      expect(commands.find((c) => c.spec.name === name)?.spec.dm).toBe(true);
      expect(byName(name).contexts, name).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM]);
    }
    expect(byName("quiz").contexts).toEqual([InteractionContextType.Guild]);
  });

  it("maps choices to name/value pairs and keeps the typed options apart", () => {
    const quiz = optionsOf(byName("quiz"));
    expect(quiz.map((o) => [o.name, o.required ?? false])).toEqual([
      ["action", true],
      ["time", false],
      ["timezone", false],
      ["days", false],
      ["close_after", false],
      ["period", false],
    ]);
    const action = quiz[0];
    expect(action && "choices" in action ? action.choices : undefined).toEqual(
      ["now", "schedule", "off", "status", "leaderboard", "me", "close"].map((c) => ({ name: c, value: c })),
    );
    const timezone = quiz.find((o) => o.name === "timezone");
    expect(timezone).toMatchObject({ type: ApplicationCommandOptionType.String, autocomplete: true, max_length: 64 });
    expect(timezone && "choices" in timezone).toBe(false);
  });
});

describe("discordCommands on made-up specs", () => {
  const made = defineCommand({
    spec: {
      name: "made",
      description: "A made-up command",
      verb: "made",
      options: {
        note: { type: "string", description: "Optional first" },
        count: { type: "integer", description: "How many", required: true, min: 1, max: 10 },
        size: { type: "integer", description: "Unbounded" },
        kind: { type: "string", description: "Which", required: true, choices: ["a", "b"] },
      },
      parseText: () => null,
      examples: [],
    },
    run: async () => notice("made"),
  });

  it("puts required options first, keeping the order otherwise, and maps integer bounds", () => {
    const [c] = discordCommands([made as AnyCommand]);
    expect(c?.options).toEqual([
      {
        type: ApplicationCommandOptionType.Integer,
        name: "count",
        description: "How many",
        required: true,
        min_value: 1,
        max_value: 10,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: "kind",
        description: "Which",
        required: true,
        choices: [
          { name: "a", value: "a" },
          { name: "b", value: "b" },
        ],
      },
      { type: ApplicationCommandOptionType.String, name: "note", description: "Optional first" },
      { type: ApplicationCommandOptionType.Integer, name: "size", description: "Unbounded" },
    ]);
    expect(c?.contexts).toEqual([InteractionContextType.Guild]);
    expect(checkDiscordCommands(discordCommands([made as AnyCommand]))).toEqual([]);
  });

  it("lets a command whose spec says dm work in DMs too", () => {
    const [c] = discordCommands([{ ...made, spec: { ...made.spec, dm: true } } as AnyCommand]);
    expect(c?.contexts).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM]);
  });
});

describe("checkDiscordCommands", () => {
  const string = (name: string, extra: Partial<APIApplicationCommandBasicOption> = {}) =>
    ({
      type: ApplicationCommandOptionType.String,
      name,
      description: `The ${name}`,
      ...extra,
    }) as APIApplicationCommandBasicOption;
  const command = (extra: Partial<Json> = {}): Json => ({
    type: ApplicationCommandType.ChatInput,
    name: "ok",
    description: "A valid command",
    options: [string("first", { required: true }), string("second")],
    ...extra,
  });
  const problems = (...cmds: Json[]) => checkDiscordCommands(cmds);
  const choices = (n: number, name = (i: number) => `c${i}`) =>
    Array.from({ length: n }, (_, i) => ({ name: name(i), value: `v${i}` }));

  it("accepts a valid command", () => {
    expect(problems(command())).toEqual([]);
  });

  it.each([
    ["an uppercase command name", command({ name: "Docker" }), /\/Docker: the name must be lowercase/],
    ["a space in a command name", command({ name: "do cker" }), /\/do cker: the name must be 1-32 letters/],
    ["an empty command name", command({ name: "" }), /the name must be 1-32/],
    ["a 33-character command name", command({ name: "x".repeat(33) }), /the name must be 1-32/],
    [
      "an empty description",
      command({ description: "" }),
      /\/ok: the description must be 1-100 characters \(it has 0\)/,
    ],
    ["a 101-character description", command({ description: "d".repeat(101) }), /it has 101/],
    ["an uppercase option name", command({ options: [string("Tag")] }), /option Tag: the name must be lowercase/],
    ["a dot in an option name", command({ options: [string("a.b")] }), /option a\.b: the name must be 1-32/],
    [
      "a long option description",
      command({ options: [string("tag", { description: "d".repeat(101) })] }),
      /option tag: the description must be 1-100/,
    ],
    [
      "26 options",
      command({ options: Array.from({ length: 26 }, (_, i) => string(`o${i}`)) }),
      /at most 25 options \(it has 26\)/,
    ],
    [
      "26 choices",
      command({ options: [string("tag", { choices: choices(26) } as object)] }),
      /option tag: at most 25 choices \(it has 26\)/,
    ],
    [
      "a 101-character choice name",
      command({ options: [string("tag", { choices: [{ name: "n".repeat(101), value: "v" }] } as object)] }),
      /choice name "n+" must be 1-100/,
    ],
    [
      "a 101-character choice value",
      command({ options: [string("tag", { choices: [{ name: "n", value: "v".repeat(101) }] } as object)] }),
      /choice value "v+" must be at most 100/,
    ],
    [
      "two equal choice names",
      command({ options: [string("tag", { choices: [...choices(2), { name: "c0", value: "x" }] } as object)] }),
      /choice names must be unique/,
    ],
    [
      "a required option after an optional one",
      command({ options: [string("first"), string("second", { required: true })] }),
      /required option second comes after an optional one/,
    ],
    ["two options of one name", command({ options: [string("tag"), string("tag")] }), /option tag is used twice/],
    [
      "autocomplete with choices",
      command({ options: [string("tag", { autocomplete: true, choices: choices(2) } as object)] }),
      /option tag: autocomplete cannot be combined with choices/,
    ],
    [
      "max_length out of range",
      command({ options: [string("tag", { max_length: 6001 } as object)] }),
      /max_length must be 1-6000/,
    ],
    [
      "min_value above max_value",
      command({
        options: [
          {
            type: ApplicationCommandOptionType.Integer,
            name: "n",
            description: "A number",
            min_value: 5,
            max_value: 1,
          },
        ],
      }),
      /option n: min_value is above max_value/,
    ],
    [
      "over 4,000 characters",
      command({
        options: Array.from({ length: 3 }, (_, i) =>
          string(`o${i}`, {
            description: "d".repeat(100),
            choices: choices(25, (j) => `${j}${"n".repeat(60)}`),
          } as object),
        ),
      }),
      /\/ok: \d{4} characters in names, descriptions and choices \(at most 4000\)/,
    ],
  ])("reports %s", (_what, bad, message) => {
    const found = problems(bad);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it("reports two commands of one name, and more than 100 commands", () => {
    expect(problems(command(), command())).toEqual(["/ok: the name is used twice"]);
    const many = Array.from({ length: 101 }, (_, i) => command({ name: `c${i}` }));
    expect(checkDiscordCommands(many)).toEqual(["at most 100 global commands (there are 101)"]);
    expect(checkDiscordCommands(many.slice(0, 100))).toEqual([]);
  });

  it("counts names, descriptions and choices towards the 4,000 characters", () => {
    // 2 + 98 (command) + 65 (option names a0..a24) + 25 × 100 (option descriptions) = 2,665;
    // fifteen choices of an 88-character name and a 1-character value add 1,335: 4,000 exactly
    const letters = "abcdefghijklmno".split("");
    const build = (extra: number) =>
      command({
        description: "d".repeat(98),
        options: Array.from({ length: 25 }, (_, i) =>
          string(`a${i}`, {
            description: "d".repeat(100),
            ...(i === 0
              ? { choices: letters.map((l, j) => ({ name: `${l}${"n".repeat(j === 0 ? 87 + extra : 87)}`, value: l })) }
              : {}),
          } as object),
        ),
      });
    expect(problems(build(0))).toEqual([]);
    expect(problems(build(1))).toEqual(["/ok: 4001 characters in names, descriptions and choices (at most 4000)"]);
  });
});
