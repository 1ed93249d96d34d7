import { describe, expect, it } from "vitest";
import { loadConfig, platformStatus } from "../../src/config.ts";

const slackWhy = (env: Record<string, string>) =>
  platformStatus(loadConfig(env, "/nonexistent/.env")).find((p) => p.platform === "slack");

describe("what Dockhand says about Slack's settings", () => {
  it("a bot token and signing secret without PORT: HTTP mode needs PORT too", () => {
    const s = slackWhy({ SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "test-secret" });
    expect(s?.configured).toBe(false);
    expect(s?.why).toContain("HTTP mode also needs PORT");
    expect(s?.why).not.toContain("SLACK_APP_TOKEN is missing");
  });

  it("a bot token alone: names both ways to finish", () => {
    const s = slackWhy({ SLACK_BOT_TOKEN: "xoxb-test" });
    expect(s?.why).toContain("add SLACK_APP_TOKEN (Socket Mode), or SLACK_SIGNING_SECRET and PORT (HTTP mode)");
  });

  it("a signing secret and port without a bot token: the bot token is missing", () => {
    const s = slackWhy({ SLACK_SIGNING_SECRET: "test-secret", PORT: "3000" });
    expect(s?.why).toContain("SLACK_BOT_TOKEN is missing");
  });

  it("complete settings for either mode are configured", () => {
    expect(slackWhy({ SLACK_BOT_TOKEN: "xoxb-test", SLACK_APP_TOKEN: "xapp-test" })?.configured).toBe(true);
    const http = slackWhy({ SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "s", PORT: "3000" });
    expect(http?.configured).toBe(true);
    expect(http?.why).toContain("HTTP mode");
  });
});

describe("what Dockhand says about Discord's HTTP interactions", () => {
  const KEY = "ab".repeat(32); // 64 hex characters, not a real application's key
  const load = (env: Record<string, string>) => () => loadConfig(env, "/nonexistent/.env");
  const discord = { DISCORD_TOKEN: "fake-token", DISCORD_APPLICATION_ID: "1100000000000000001" };

  it("a public key without PORT stops start-up, naming PORT", () => {
    expect(load({ ...discord, DISCORD_PUBLIC_KEY: KEY })).toThrow(/DISCORD_PUBLIC_KEY is set.*set PORT too/);
  });

  it("a public key without the bot token or application id names what is missing", () => {
    expect(load({ DISCORD_PUBLIC_KEY: KEY, PORT: "3000" })).toThrow(
      /HTTP interactions also need DISCORD_TOKEN and DISCORD_APPLICATION_ID/,
    );
    expect(load({ DISCORD_PUBLIC_KEY: KEY, PORT: "3000", DISCORD_TOKEN: "fake-token" })).toThrow(
      /also need DISCORD_APPLICATION_ID \(/,
    );
  });

  it("a key that is not 64 hex characters is refused without echoing it", () => {
    const bad = "not-a-key-0123";
    let message = "";
    try {
      load({ ...discord, PORT: "3000", DISCORD_PUBLIC_KEY: bad })();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/DISCORD_PUBLIC_KEY: must be the 64 hexadecimal characters/);
    expect(message).not.toContain(bad);
  });

  it("complete settings: configured, with the endpoint named, and the retry period in milliseconds", () => {
    const config = loadConfig(
      { ...discord, PORT: "3000", DISCORD_PUBLIC_KEY: KEY.toUpperCase(), DOCKHAND_GATEWAY_RETRY_SECONDS: "2" },
      "/nonexistent/.env",
    );
    expect(config.discord.publicKey).toBe(KEY);
    expect(config.discord.gatewayRetryMs).toBe(2000);
    const d = platformStatus(config).find((p) => p.platform === "discord");
    expect(d?.configured).toBe(true);
    expect(d?.why).toContain("POST /discord/interactions");
    expect(loadConfig(discord, "/nonexistent/.env").discord.gatewayRetryMs).toBe(5000);
  });
});
