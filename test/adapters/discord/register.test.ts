import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { commands } from "../../../commands/index.ts";
import { checkDiscordCommands, discordCommands } from "../../../src/adapters/discord/commands.ts";
import { registerDiscordCommands } from "../../../src/adapters/discord/register.ts";
import { type DiscordStandin, startDiscordStandin } from "../../fakes/discord/standin.ts";

const bin = fileURLToPath(new URL("../../../src/bin.js", import.meta.url));

let discord: DiscordStandin | undefined;
afterEach(async () => {
  await discord?.close();
  discord = undefined;
});

const puts = (d: DiscordStandin) => d.requests.filter((r) => r.method === "PUT");

it("registers every command with one bulk PUT, within Discord's naming and size rules", async () => {
  discord = await startDiscordStandin();
  const done = await registerDiscordCommands(commands, {
    token: discord.token,
    applicationId: discord.applicationId,
    apiUrl: discord.apiUrl,
  });
  const [put, ...more] = puts(discord);
  expect(more).toEqual([]);
  expect(put?.path).toBe(`/applications/${discord.applicationId}/commands`);
  expect(put?.status).toBe(200);
  expect(put?.headers.authorization).toBe(`Bot ${discord.token}`);
  expect(put?.body).toEqual(discordCommands(commands));
  expect(checkDiscordCommands(put?.body)).toEqual([]);
  const names = commands.map((c) => c.spec.name);
  expect(done).toEqual({ names, scope: "every server (global)" });
  expect(discord.commands.get("global")?.map((c) => c.name)).toEqual(names);
  expect(names).toEqual(expect.arrayContaining(["docker", "quiz", "onboard", "topics"]));

  // The options that suggest as one types are registered with autocomplete.
  const docker = put?.body.find((c: { name: string }) => c.name === "docker");
  expect(docker.options).toEqual([expect.objectContaining({ name: "question", required: true, autocomplete: true })]);

  await registerDiscordCommands(commands, {
    token: discord.token,
    applicationId: discord.applicationId,
    apiUrl: discord.apiUrl,
    guildId: discord.guildId,
  });
  expect(puts(discord)[1]?.path).toBe(`/applications/${discord.applicationId}/guilds/${discord.guildId}/commands`);
  expect(discord.commands.get(discord.guildId)).toHaveLength(names.length);
});

it("reports a refused token without showing it", async () => {
  discord = await startDiscordStandin();
  const token = "wrong.token.value";
  const error = await registerDiscordCommands(commands, {
    token,
    applicationId: discord.applicationId,
    apiUrl: discord.apiUrl,
  }).catch((e: unknown) => e as Error);
  expect((error as Error).message).toMatch(/^DISCORD_TOKEN was refused/);
  expect((error as Error).message).not.toContain(token);
  expect(puts(discord).map((r) => r.status)).toEqual([401]);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node src/bin.js register discord ...` in a clean directory (no .env) with only these Discord settings. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), "dockhand-register-"));
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DISCORD_|SLACK_|DOCKHAND_|DATABASE_URL)/.test(k)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...base, ...env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

it("`dockhand register discord --guild ID` registers in that server and prints one line; a bad token exits 2", async () => {
  discord = await startDiscordStandin();
  const env = {
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
  };
  const ok = await cli(["register", "discord", "--guild", discord.guildId], env);
  expect(ok).toMatchObject({ code: 0, stderr: "" });
  expect(ok.stdout.trimEnd().split("\n")).toEqual([
    expect.stringMatching(new RegExp(`^Registered /docker, .* for server ${discord.guildId}\\.$`)),
  ]);
  expect(puts(discord).map((r) => `${r.path} ${r.status}`)).toEqual([
    `/applications/${discord.applicationId}/guilds/${discord.guildId}/commands 200`,
  ]);

  const bad = await cli(["register", "discord"], { ...env, DISCORD_TOKEN: "not-the-token-123" });
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe("");
  expect(bad.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^DISCORD_TOKEN was refused by Discord/)]);
  expect(bad.stderr).not.toContain("not-the-token-123");

  const missing = await cli(["register", "discord"], { DISCORD_API_URL: discord.apiUrl });
  expect(missing.code).toBe(2);
  expect(missing.stderr.trim()).toMatch(/^Set DISCORD_TOKEN and DISCORD_APPLICATION_ID/);
}, 20_000);
