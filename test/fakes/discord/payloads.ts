import {
  type APIApplicationCommandAutocompleteDMInteraction,
  type APIApplicationCommandAutocompleteGuildInteraction,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIChatInputApplicationCommandDMInteraction,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIDMChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageComponentDMInteraction,
  type APIMessageComponentGuildInteraction,
  type APIMessageTopLevelComponent,
  type APIRole,
  type APITextChannel,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonStyle,
  ChannelType,
  ComponentType,
  type GatewayGuildCreateDispatchData,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  type GuildMemberFlags,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  type GuildSystemChannelFlags,
  GuildVerificationLevel,
  InteractionContextType,
  InteractionType,
  Locale,
  MessageType,
  type RoleFlags,
} from "discord-api-types/v10";

/**
 * Discord's objects as the API sends them, checked with `satisfies` against discord-api-types
 * (so tsc catches drift): users, members, a guild for GUILD_CREATE, channels, messages, and full
 * INTERACTION_CREATE payloads (slash command, button, autocomplete; guild and DM variants).
 */

const DISCORD_EPOCH = 1420070400000n;
let increment = 0n;

/** A fresh, unique snowflake whose timestamp is now (as Discord makes them). */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return String(((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment);
}

/** Everything but Administrator: what a freshly invited bot and the @everyone role get here. */
export const PERMISSIONS = "2248473465835073";

// Flag fields are enums of bits; "no flag set" (0) is not a member, hence the casts below.

export function user(id: string, username: string, o: { bot?: boolean; globalName?: string } = {}): APIUser {
  return {
    id,
    username,
    discriminator: "0",
    global_name: o.globalName ?? (o.bot ? null : username[0]?.toUpperCase() + username.slice(1)),
    avatar: null,
    ...(o.bot ? { bot: true } : {}),
  } satisfies APIUser;
}

export function member(u: APIUser, o: { roles?: string[]; joinedAt?: string } = {}): APIGuildMember {
  return {
    user: u,
    nick: null,
    avatar: null,
    roles: o.roles ?? [],
    joined_at: o.joinedAt ?? new Date().toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  } satisfies APIGuildMember;
}

export function textChannel(guildId: string, id: string, name: string, position = 0): APITextChannel {
  return {
    id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
  } satisfies APITextChannel;
}

export function dmChannel(id: string, recipient: APIUser): APIDMChannel {
  return {
    id,
    type: ChannelType.DM,
    name: null,
    last_message_id: null,
    recipients: [recipient],
  } satisfies APIDMChannel;
}

function everyoneRole(guildId: string): APIRole {
  return {
    id: guildId,
    name: "@everyone",
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    position: 0,
    permissions: PERMISSIONS,
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  } satisfies APIRole;
}

/** The GUILD_CREATE a bot gets after READY: the guild with its channels and members. */
export function guildCreate(o: {
  id: string;
  name: string;
  ownerId: string;
  channels: APITextChannel[];
  members: APIGuildMember[];
}): GatewayGuildCreateDispatchData {
  return {
    id: o.id,
    name: o.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: o.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: [everyoneRole(o.id)],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: o.channels[0]?.id ?? null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    // GUILD_CREATE's extra fields
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: o.members.length,
    voice_states: [],
    members: o.members,
    channels: o.channels,
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  } satisfies GatewayGuildCreateDispatchData;
}

/** A message as REST answers it (and as a button's `message` carries it). */
export function message(o: {
  channelId: string;
  author: APIUser;
  id?: string;
  content?: string;
  embeds?: APIEmbed[];
  components?: APIMessageTopLevelComponent[];
  nonce?: string | number;
  flags?: number;
  applicationId?: string;
  webhookId?: string;
}): APIMessage {
  return {
    id: o.id ?? snowflake(),
    channel_id: o.channelId,
    author: o.author,
    content: o.content ?? "",
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: o.embeds ?? [],
    components: o.components ?? [],
    pinned: false,
    type: MessageType.Default,
    flags: o.flags ?? 0,
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
    ...(o.applicationId ? { application_id: o.applicationId } : {}),
    ...(o.webhookId ? { webhook_id: o.webhookId } : {}),
  } satisfies APIMessage;
}

// --- interactions -------------------------------------------------------------------------------

/** Where an interaction happens: in a guild channel (with `guildId`) or in the bot's DM (without). */
export interface InteractionWhere {
  applicationId: string;
  user: APIUser;
  channelId: string;
  /** Absent: a DM with the bot (`user` instead of `member`, `context: 1`). */
  guildId?: string;
  /** The invoking member (guild only); default: `user` with no roles. */
  member?: APIGuildMember;
  channelName?: string;
  locale?: Locale;
}

/** Slash command options: a plain record (types inferred) or Discord's typed option list. */
export type SlashOptions =
  | Record<string, string | number | boolean>
  | APIApplicationCommandInteractionDataBasicOption[];

function typedOptions(options: SlashOptions | undefined): APIApplicationCommandInteractionDataBasicOption[] {
  if (!options) return [];
  if (Array.isArray(options)) return options;
  return Object.entries(options).map(([name, value]) => {
    if (typeof value === "boolean") return { name, type: ApplicationCommandOptionType.Boolean, value };
    if (typeof value === "number")
      return Number.isInteger(value)
        ? { name, type: ApplicationCommandOptionType.Integer, value }
        : { name, type: ApplicationCommandOptionType.Number, value };
    return { name, type: ApplicationCommandOptionType.String, value };
  });
}

/** The fields every interaction shares, with a fresh id and token. */
function common(w: InteractionWhere) {
  const id = snowflake();
  const shared = {
    id,
    application_id: w.applicationId,
    token: `fake-interaction-token.${id}`,
    version: 1 as const,
    app_permissions: PERMISSIONS,
    locale: w.locale ?? Locale.EnglishUS,
    entitlements: [],
    attachment_size_limit: 10 * 1024 * 1024,
    channel_id: w.channelId,
  };
  if (w.guildId === undefined) {
    return {
      ...shared,
      user: w.user,
      channel: { id: w.channelId, type: ChannelType.DM as const, recipients: [w.user], last_message_id: null },
      // "0" for the guild-install key means: in the bot's DM.
      authorizing_integration_owners: { "0": "0" },
      context: InteractionContextType.BotDM,
    };
  }
  const m = w.member ?? member(w.user);
  return {
    ...shared,
    guild_id: w.guildId,
    guild: { id: w.guildId, locale: Locale.EnglishUS, features: [] },
    guild_locale: Locale.EnglishUS,
    member: { ...m, user: m.user ?? w.user, permissions: PERMISSIONS } satisfies APIInteractionGuildMember,
    channel: { ...textChannel(w.guildId, w.channelId, w.channelName ?? "general"), permissions: PERMISSIONS },
    authorizing_integration_owners: { "0": w.guildId },
    context: InteractionContextType.Guild,
  };
}

export type SlashInteraction =
  | APIChatInputApplicationCommandGuildInteraction
  | APIChatInputApplicationCommandDMInteraction;

/** A slash command (type 2) with typed options; `subcommand` wraps them in a subcommand option. */
export function slashCommand(
  w: InteractionWhere,
  o: { name: string; options?: SlashOptions; subcommand?: string; commandId?: string },
): SlashInteraction {
  const options = typedOptions(o.options);
  return {
    ...common(w),
    type: InteractionType.ApplicationCommand,
    data: {
      id: o.commandId ?? snowflake(),
      name: o.name,
      type: ApplicationCommandType.ChatInput,
      options: o.subcommand
        ? [{ name: o.subcommand, type: ApplicationCommandOptionType.Subcommand, options }]
        : options,
    },
  } satisfies SlashInteraction;
}

export type AutocompleteInteraction =
  | APIApplicationCommandAutocompleteGuildInteraction
  | APIApplicationCommandAutocompleteDMInteraction;

/**
 * An autocomplete request (type 4): the options typed so far, the one named `focused` marked
 * `focused: true`. Discord sends what the user typed as a string for number options too.
 */
export function autocomplete(
  w: InteractionWhere,
  o: { name: string; options: Record<string, string | number | boolean>; focused: string; commandId?: string },
): AutocompleteInteraction {
  if (!(o.focused in o.options)) throw new Error(`autocomplete: focused option "${o.focused}" is not in options`);
  const options = typedOptions(o.options).map((opt) => {
    const focused = opt.name === o.focused ? { focused: true } : {};
    if (opt.type === ApplicationCommandOptionType.Integer || opt.type === ApplicationCommandOptionType.Number)
      return { ...opt, value: String(opt.value), ...focused };
    if (opt.type === ApplicationCommandOptionType.String) return { ...opt, ...focused };
    return opt;
  });
  return {
    ...common(w),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: { id: o.commandId ?? snowflake(), name: o.name, type: ApplicationCommandType.ChatInput, options },
  } satisfies AutocompleteInteraction;
}

export type ButtonInteraction = APIMessageComponentGuildInteraction | APIMessageComponentDMInteraction;

/** A button press (type 3) on `message` (default: a bot message that carries just this button). */
export function buttonPress(w: InteractionWhere, o: { customId: string; message?: APIMessage }): ButtonInteraction {
  const msg =
    o.message ??
    message({
      channelId: w.channelId,
      author: user(w.applicationId, "dockhand", { bot: true }),
      content: "A message with a button",
      applicationId: w.applicationId,
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: o.customId, label: "Press" },
          ],
        },
      ],
    });
  return {
    ...common(w),
    type: InteractionType.MessageComponent,
    message: msg,
    data: { custom_id: o.customId, component_type: ComponentType.Button },
  } satisfies ButtonInteraction;
}
