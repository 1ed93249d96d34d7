import type { webApi } from "@slack/bolt";
import type { AnyCommand } from "../../core/command.ts";

/** Slack's manifest schema, as @slack/web-api types it (apps.manifest.create). */
export type SlackAppManifest = webApi.AppsManifestCreateArguments["manifest"];

/** The one slash command: every command is a verb after it. */
export const SLASH_COMMAND = "/docker";
/** HTTP mode: where Slack sends commands, interactions and events (the manifest's request URLs end so). */
export const SLACK_EVENTS_PATH = "/slack/events";
/** The message shortcut "Ask Dockhand". */
export const ASK_SHORTCUT = "ask_dockhand";

/** Bot scopes, each for something the adapter calls or subscribes to. */
export const BOT_SCOPES = [
  "commands", // /docker and the message shortcut
  "chat:write", // chat.postMessage, chat.update, chat.postEphemeral
  "chat:write.public", // the quiz posts in channels the bot was never invited to
  "im:write", // conversations.open for onboarding DMs
  "users:read", // users.info (admin/owner, names) and the team_join event
  "app_mentions:read", // the app_mention event
  "channels:read", // the member_joined_channel event in public channels
  "channels:history", // conversations.history: was a quiz post cut off by a crash already made?
  "groups:history", // the same in private channels
] as const;

export const BOT_EVENTS = ["app_mention", "team_join", "member_joined_channel"] as const;

export interface ManifestOptions {
  /** HTTP mode: the public URL of the events endpoint (…/slack/events). Without it, Socket Mode. */
  requestUrl?: string;
}

/**
 * The Slack app manifest (JSON, schema 1), generated from the command registry, so the `/docker`
 * usage hint lists exactly the verbs that exist. Paste it at api.slack.com/apps → Create New App →
 * From a manifest.
 */
export function slackManifest(commands: readonly AnyCommand[], opts: ManifestOptions = {}) {
  const question = commands.find((c) => c.spec.verb === null);
  const verbs = commands.filter((c) => c.spec.verb !== null && !c.spec.admin).map((c) => c.spec.verb as string);
  const usageHint = [question ? "[question]" : undefined, ...verbs].filter(Boolean).join(" | ");
  const url = opts.requestUrl;
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: "Dockhand",
      description: "Docker answers, a daily quiz and onboarding, in chat",
      background_color: "#1d63ed",
    },
    features: {
      app_home: { home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: "Dockhand", always_online: true },
      shortcuts: [
        {
          name: "Ask Dockhand",
          type: "message",
          callback_id: ASK_SHORTCUT,
          description: "Answer the Docker question in this message, in its thread",
        },
      ],
      slash_commands: [
        {
          command: SLASH_COMMAND,
          description: (question?.spec.description ?? "Ask Dockhand").slice(0, 100),
          usage_hint: usageHint.slice(0, 100),
          // Mentions arrive as <@U123|name>, so `onboard invite @sam` knows the user id.
          should_escape: true,
          ...(url ? { url } : {}),
        },
      ],
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: { ...(url ? { request_url: url } : {}), bot_events: [...BOT_EVENTS] },
      interactivity: { is_enabled: true, ...(url ? { request_url: url } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: !url,
      token_rotation_enabled: false,
    },
  } satisfies SlackAppManifest;
}
