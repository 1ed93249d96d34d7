import { describe, expect, it } from "vitest";
import { commands } from "../../../commands/index.ts";
import { ASK_SHORTCUT, BOT_EVENTS, SLASH_COMMAND, slackManifest } from "../../../src/adapters/slack/manifest.ts";
import { actionIdOf, slackToPlain, stripBotMention } from "../../../src/adapters/slack/parse.ts";

describe("slackManifest", () => {
  const m = slackManifest(commands);

  it("declares /docker from the command registry: description of the question command, verbs as the hint", () => {
    const [cmd, ...more] = m.features.slash_commands;
    expect(more).toEqual([]);
    expect(cmd?.command).toBe(SLASH_COMMAND);
    expect(cmd?.description).toBe(commands.find((c) => c.spec.verb === null)?.spec.description);
    for (const c of commands.filter((c) => c.spec.verb && !c.spec.admin))
      expect(cmd?.usage_hint).toContain(c.spec.verb);
    expect(cmd?.should_escape).toBe(true);
  });

  it("asks only for the scopes the adapter uses, subscribes to its events, Socket Mode on", () => {
    expect(m.display_information.name).toBe("Dockhand");
    expect([...m.oauth_config.scopes.bot].sort()).toEqual(
      [
        "app_mentions:read",
        "channels:history",
        "channels:read",
        "groups:history",
        "chat:write",
        "chat:write.public",
        "commands",
        "im:write",
        "users:read",
      ].sort(),
    );
    expect(m.settings.event_subscriptions.bot_events).toEqual([...BOT_EVENTS]);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(m.features.shortcuts).toEqual([expect.objectContaining({ type: "message", callback_id: ASK_SHORTCUT })]);
    expect(JSON.stringify(m)).not.toContain("request_url");
  });

  it("with a request URL, is an HTTP-mode manifest", () => {
    const http = slackManifest(commands, { requestUrl: "https://dockhand.example.com/slack/events" });
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.settings.interactivity).toMatchObject({ request_url: "https://dockhand.example.com/slack/events" });
    expect(http.features.slash_commands[0]).toMatchObject({ url: "https://dockhand.example.com/slack/events" });
  });
});

describe("inbound text", () => {
  it("decodes entities after reading tokens, so typed < > & never become tokens", () => {
    expect(slackToPlain("a &lt;b&gt; &amp;&amp; c")).toBe("a <b> && c");
    expect(slackToPlain("&lt;!channel&gt; hi")).toBe("<!channel> hi");
  });

  it("turns channels, special mentions and links into labels, and keeps user mentions for the core", () => {
    expect(slackToPlain("see <#C123|general> and <https://docs.docker.com|the docs>")).toBe(
      "see #general and the docs",
    );
    expect(slackToPlain("<!here> <https://example.com>")).toBe("@here https://example.com");
    expect(slackToPlain("onboard invite <@U123|sam>")).toBe("onboard invite <@U123|sam>");
  });

  it("strips the bot's own mention wherever it is", () => {
    expect(stripBotMention("<@UBOT> how do I publish a port?", "UBOT")).toBe("how do I publish a port?");
    expect(stripBotMention("so <@UBOT|dockhand>, docker run?", "UBOT")).toBe("so , docker run?");
    expect(stripBotMention("<@UBOT> ask <@U2>", "UBOT")).toBe("ask <@U2>");
  });

  it("reads the action id from action_id, or from the value when action_id is not one", () => {
    expect(actionIdOf({ action_id: "v1|entry|docker-run", value: "x" })).toBe("v1|entry|docker-run");
    expect(actionIdOf({ action_id: "b1", value: "v1|entry|docker-run" })).toBe("v1|entry|docker-run");
    expect(actionIdOf({ action_id: "b1" })).toBe("b1");
  });
});
