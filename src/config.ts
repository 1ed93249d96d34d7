import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { z } from "zod";

const optional = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** Every setting Dockhand reads, from the environment (and a .env file). `.env.example` documents them. */
export const configSchema = z.object({
  DATABASE_URL: optional.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must be a PostgreSQL URL (postgres://user@host:5432/db); leave it unset to use SQLite",
  }),
  DOCKHAND_DB_PATH: z.string().trim().min(1).default("./data/dockhand.db"),
  DOCKHAND_KNOWLEDGE: optional,
  /** Where the saved search index goes; by default next to the SQLite file. */
  DOCKHAND_CACHE_DIR: optional,
  DOCKHAND_ADMINS: optional,
  DOCKHAND_TIMEZONE: z.string().trim().default("UTC"),
  DOCKHAND_QUIZ_NAMES: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("true"),
  DOCKHAND_QUIZ_GRACE_MINUTES: z
    .string()
    .trim()
    .default("60")
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1440, {
      message: "must be whole minutes between 1 and 1440",
    }),
  DOCKHAND_ONBOARD_CHANNEL: optional,
  DOCKHAND_STALL_DAYS: z
    .string()
    .trim()
    .default("7")
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 365, {
      message: "must be whole days between 1 and 365",
    }),
  /** How long a claim on scheduled work holds without renewal; a dead process's work is taken over after it. */
  DOCKHAND_LEASE_SECONDS: z
    .string()
    .trim()
    .default("60")
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 3600, {
      message: "must be whole seconds between 1 and 3600",
    }),
  /** How often the scheduler looks for due work (and for work to take over). */
  DOCKHAND_TICK_SECONDS: z
    .string()
    .trim()
    .default("15")
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 300, {
      message: "must be whole seconds between 1 and 300",
    }),
  DOCKHAND_WELCOME: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  SLACK_BOT_TOKEN: optional,
  SLACK_APP_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  PORT: optional.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), {
    message: "must be a port number between 1 and 65535",
  }),
  DISCORD_TOKEN: optional,
  DISCORD_APPLICATION_ID: optional,
  /** The application's public key (Developer Portal → General Information): turns on HTTP interactions. */
  DISCORD_PUBLIC_KEY: optional.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v), {
    message: "must be the 64 hexadecimal characters of the application's Public Key (General Information)",
  }),
  /** With PostgreSQL: how often a replica without the Discord gateway tries to take it over. */
  DOCKHAND_GATEWAY_RETRY_SECONDS: z
    .string()
    .trim()
    .default("5")
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 300, {
      message: "must be whole seconds between 1 and 300",
    }),
  /** Another Slack Web API base, e.g. GovSlack's https://slack-gov.com/api/ (or a local stand-in). */
  SLACK_API_URL: optional.refine((v) => v === undefined || /^https?:\/\/\S+\/$/.test(v), {
    message: "must be an http(s) URL ending in /, e.g. https://slack.com/api/",
  }),
  /** Another Discord REST base, e.g. a rate-limit proxy (or a local stand-in): http(s)://HOST/api. */
  DISCORD_API_URL: optional.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), {
    message: "must be an http(s) URL, e.g. https://discord.com/api",
  }),
});

export interface Config {
  databaseUrl?: string;
  sqlitePath: string;
  knowledgeDirs: string[];
  /** The saved search index of the knowledge packs. */
  indexPath: string;
  admins: Set<string>;
  logLevel?: string;
  port?: number;
  timezone: string;
  quiz: { showNames: boolean; graceMs: number };
  /** Claims and rounds being posted: lease length and scheduler tick, in milliseconds. */
  scheduler: { leaseMs: number; tickMs: number };
  onboarding: { channelId?: string; stallDays: number; welcome: boolean };
  slack: { botToken?: string; appToken?: string; signingSecret?: string; apiUrl?: string };
  discord: { token?: string; applicationId?: string; apiUrl?: string; publicKey?: string; gatewayRetryMs: number };
}

/** A setting that is wrong: the message names the variable, never its value. */
export class ConfigError extends Error {}

/** Parses the environment once. Reads `.env` from the working directory first, when there is one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = ".env"): Config {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const c = parsed.data;
  const halfDone = discordHalfConfigured(c);
  if (halfDone.length > 0) throw new ConfigError(`Invalid configuration:\n  ${halfDone.join("\n  ")}`);
  const list = (v: string | undefined, sep: string | RegExp) =>
    (v ?? "")
      .split(sep)
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    databaseUrl: c.DATABASE_URL,
    sqlitePath: c.DOCKHAND_DB_PATH,
    knowledgeDirs: list(c.DOCKHAND_KNOWLEDGE, delimiter),
    indexPath: join(c.DOCKHAND_CACHE_DIR ?? dirname(c.DOCKHAND_DB_PATH), "knowledge-index.bin"),
    admins: new Set(list(c.DOCKHAND_ADMINS, /[,\s]+/)),
    logLevel: c.LOG_LEVEL,
    timezone: c.DOCKHAND_TIMEZONE,
    quiz: { showNames: c.DOCKHAND_QUIZ_NAMES === "true", graceMs: Number(c.DOCKHAND_QUIZ_GRACE_MINUTES) * 60_000 },
    scheduler: {
      leaseMs: Number(c.DOCKHAND_LEASE_SECONDS) * 1000,
      tickMs: Number(c.DOCKHAND_TICK_SECONDS) * 1000,
    },
    onboarding: {
      channelId: c.DOCKHAND_ONBOARD_CHANNEL,
      stallDays: Number(c.DOCKHAND_STALL_DAYS),
      welcome: c.DOCKHAND_WELCOME === "true",
    },
    port: c.PORT === undefined ? undefined : Number(c.PORT),
    slack: {
      botToken: c.SLACK_BOT_TOKEN,
      appToken: c.SLACK_APP_TOKEN,
      signingSecret: c.SLACK_SIGNING_SECRET,
      apiUrl: c.SLACK_API_URL,
    },
    discord: {
      token: c.DISCORD_TOKEN,
      applicationId: c.DISCORD_APPLICATION_ID,
      apiUrl: c.DISCORD_API_URL,
      publicKey: c.DISCORD_PUBLIC_KEY?.toLowerCase(),
      gatewayRetryMs: Number(c.DOCKHAND_GATEWAY_RETRY_SECONDS) * 1000,
    },
  };
}

/**
 * A public key asks for Discord's HTTP interactions: without PORT nothing would receive them, and
 * without the bot token and application id nothing could post, send DMs or register the commands.
 */
function discordHalfConfigured(c: z.infer<typeof configSchema>): string[] {
  if (!c.DISCORD_PUBLIC_KEY) return [];
  const out: string[] = [];
  if (!c.PORT)
    out.push(
      "DISCORD_PUBLIC_KEY is set, so Discord's HTTP interactions are wanted: set PORT too (Discord's requests reach POST /discord/interactions on it, behind HTTPS), or unset DISCORD_PUBLIC_KEY to use the gateway only",
    );
  const missing = [!c.DISCORD_TOKEN && "DISCORD_TOKEN", !c.DISCORD_APPLICATION_ID && "DISCORD_APPLICATION_ID"].filter(
    Boolean,
  );
  if (missing.length > 0)
    out.push(
      `DISCORD_PUBLIC_KEY is set, but HTTP interactions also need ${missing.join(" and ")} (posts, DMs, follow-ups and command registration use them)`,
    );
  return out;
}

/** Which chat platforms the settings ask for, and for the others which variables are missing. */
export function platformStatus(config: Config): { platform: "slack" | "discord"; configured: boolean; why: string }[] {
  const s = config.slack;
  const slackSocket = !!(s.botToken && s.appToken);
  const slackHttp = !!(s.botToken && s.signingSecret && config.port);
  const d = config.discord;
  return [
    {
      platform: "slack",
      configured: slackSocket || slackHttp,
      why: slackSocket
        ? "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set (Socket Mode)"
        : slackHttp
          ? "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and PORT are set (HTTP mode)"
          : slackWhy(config),
    },
    {
      platform: "discord",
      configured: !!(d.token && d.applicationId),
      why:
        d.token && d.applicationId
          ? d.publicKey && config.port
            ? "DISCORD_TOKEN, DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and PORT are set (HTTP interactions at POST /discord/interactions, plus the gateway)"
            : "DISCORD_TOKEN and DISCORD_APPLICATION_ID are set (gateway)"
          : `not configured: set ${[!d.token && "DISCORD_TOKEN", !d.applicationId && "DISCORD_APPLICATION_ID"].filter(Boolean).join(" and ")}`,
    },
  ];
}

/** What is missing for Slack, for either mode, in words a person acts on. */
function slackWhy(config: Config): string {
  const s = config.slack;
  const both =
    "set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode), or SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET and PORT (HTTP mode)";
  if (!s.botToken) {
    return s.appToken || s.signingSecret
      ? `not configured: SLACK_BOT_TOKEN is missing; ${both}`
      : `not configured: ${both}`;
  }
  if (s.signingSecret) {
    return "not configured: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, but HTTP mode also needs PORT (the port Slack's requests reach); or set SLACK_APP_TOKEN for Socket Mode instead";
  }
  return "not configured: SLACK_BOT_TOKEN is set, but add SLACK_APP_TOKEN (Socket Mode), or SLACK_SIGNING_SECRET and PORT (HTTP mode)";
}
