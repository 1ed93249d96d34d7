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
