import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.ts";
import type { AnyCommand, OptionSpec } from "../../src/core/command.ts";

const dir = fileURLToPath(new URL("../../commands/", import.meta.url));
const NOT_COMMANDS = new Set(["index.ts", "buttons.ts"]);
// Discord's rule for command and option names (lower case where the script has case).
const NAME = /^[-_\p{Ll}\p{N}]{1,32}$/u;

const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !NOT_COMMANDS.has(f))
  .sort();

async function loadModules(): Promise<{ file: string; command: unknown }[]> {
  return Promise.all(
    files.map(async (file) => ({
      file,
      command: ((await import(path.join(dir, file))) as { default?: unknown }).default,
    })),
  );
}

const isCommand = (c: unknown): c is AnyCommand =>
  typeof c === "object" &&
  c !== null &&
  typeof (c as AnyCommand).run === "function" &&
  typeof (c as AnyCommand).spec?.name === "string";

describe("commands/index.ts", () => {
  it("lists exactly the command modules in commands/", async () => {
    expect(files.length).toBeGreaterThan(0);
    const modules = await loadModules();
    for (const { file, command } of modules) {
      expect(isCommand(command), `${file} has no default command export`).toBe(true);
      expect(commands, `${file} is not in commands/index.ts`).toContain(command);
      expect((command as AnyCommand).spec.name, `${file}: the file stem is the command name`).toBe(
        path.basename(file, ".ts"),
      );
    }
    const defaults = modules.map((m) => m.command);
    for (const c of commands) expect(defaults, `${c.spec.name} is listed but is no file's default export`).toContain(c);
    expect(new Set(commands).size).toBe(commands.length);
  });

  it("has unique names that are valid on Discord and Slack", () => {
    const names = commands.map((c) => c.spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name, name).toMatch(NAME);
  });

  it("has descriptions of 1 to 100 characters", () => {
    for (const c of commands) {
      expect(c.spec.description.trim().length, c.spec.name).toBeGreaterThan(0);
      expect(c.spec.description.length, c.spec.name).toBeLessThanOrEqual(100);
    }
  });

  it("has options within Discord's caps", () => {
    for (const c of commands) {
      const options = Object.entries(c.spec.options as Record<string, OptionSpec>);
      expect(options.length, c.spec.name).toBeLessThanOrEqual(25);
      let seenOptional = false;
      for (const [name, o] of options) {
        const where = `${c.spec.name}.${name}`;
        expect(name, where).toMatch(NAME);
        expect(o.description.trim().length, where).toBeGreaterThan(0);
        expect(o.description.length, where).toBeLessThanOrEqual(100);
        // Discord refuses a required option after an optional one.
        if (o.required) expect(seenOptional, `${where}: required after optional`).toBe(false);
        else seenOptional = true;
        if (o.type === "string") {
          if (o.maxLength !== undefined) expect(o.maxLength, where).toBeGreaterThanOrEqual(1);
          if (o.maxLength !== undefined) expect(o.maxLength, where).toBeLessThanOrEqual(6000);
          if (o.choices) {
            expect(o.choices.length, where).toBeGreaterThan(0);
            expect(o.choices.length, where).toBeLessThanOrEqual(25);
            expect(new Set(o.choices).size, where).toBe(o.choices.length);
            for (const choice of o.choices) {
              expect(choice.length, where).toBeGreaterThan(0);
              expect(choice.length, where).toBeLessThanOrEqual(100);
            }
            expect(o.suggest, `${where}: choices and suggestions exclude each other`).toBeUndefined();
          }
        } else if (o.min !== undefined && o.max !== undefined) {
          expect(o.min, where).toBeLessThanOrEqual(o.max);
        }
      }
    }
  });

  it("has unique verbs and exactly one question command (verb null)", () => {
    const verbs = commands.map((c) => c.spec.verb).filter((v): v is string => v !== null);
    expect(new Set(verbs).size).toBe(verbs.length);
    for (const v of verbs) expect(v, v).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(commands.filter((c) => c.spec.verb === null)).toHaveLength(1);
  });

  it("has examples for help, in the /docker free-text form, that parse back to the same command", async () => {
    const { parseCommandText } = await import("../../src/core/text-command.ts");
    for (const c of commands) {
      expect(c.spec.examples.length, c.spec.name).toBeGreaterThan(0);
      for (const example of c.spec.examples) {
        expect(example, c.spec.name).toMatch(/^\/docker\b/);
        const parsed = parseCommandText(example, commands);
        expect("command" in parsed && parsed.command.spec.name, example).toBe(c.spec.name);
      }
    }
  });
});
