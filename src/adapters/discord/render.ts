import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
  MessageFlags,
} from "discord.js";
import type { Button, ComparisonTable, Reply } from "../../core/reply.ts";
import { convertAround, unmarked } from "../../core/user-text.ts";
import {
  chunks,
  discordMarkdown,
  EMPTY,
  FENCE,
  label,
  MARKER,
  neutraliseMentions,
  oneLine,
  type Piece,
  pieces,
  plainText,
  take,
  truncate,
  typedLiteral,
  wellFormed,
  ZWSP,
} from "./text.ts";

export { discordMarkdown, neutraliseMentions } from "./text.ts";

/**
 * Discord's message limits (discord.com/developers/docs/resources/message#embed-object-embed-limits and
 * ../shared/platform-facts.md). Lengths are counted in UTF-16 code units, which is never less than what
 * Discord counts, so a message within these numbers is within Discord's.
 */
export const DISCORD_LIMITS = {
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Title, description, field names and values, footer and author name of all embeds of one message. */
  embedsTotal: 6000,
  embedsPerMessage: 10,
  content: 2000,
  actionRows: 5,
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

/** One message for discord.js `reply`/`send`/`edit`/`followUp`; ephemerality is the adapter's (see messageFlags). */
export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  /** Always empty: nothing a reply echoes can ping a user, a role, @everyone or @here. */
  allowedMentions: { parse: [] };
}

/** Docker blue, so Dockhand's cards are recognisable. */
const COLOR = 0x1d63ed;
/** Below this much room left in a message, more description starts a new message instead of a sliver of an embed. */
const MIN_CHUNK = 300;
const CONTINUED = " (continued)";
const BUTTONS_PER_MESSAGE = DISCORD_LIMITS.actionRows * DISCORD_LIMITS.buttonsPerRow;

/** The flags an interaction reply needs for this reply: Ephemeral for only-me replies. */
export function messageFlags(reply: Reply): MessageFlags.Ephemeral | undefined {
  return reply.visibility === "ephemeral" ? MessageFlags.Ephemeral : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Layout: embeds are filled in order (title, description, fields, footer) and a new embed or message is started
// whenever the next part would break a limit of the current one.

class Layout {
  readonly messages: APIEmbed[][] = [[]];
  /** Characters counted against the 6,000 of the current message. */
  private used = 0;

  private get embeds(): APIEmbed[] {
    return this.messages[this.messages.length - 1] as APIEmbed[];
  }

  private get last(): APIEmbed | undefined {
    return this.embeds[this.embeds.length - 1];
  }

  private room(): number {
    return DISCORD_LIMITS.embedsTotal - this.used;
  }

  private newMessage(): void {
    if (this.embeds.length > 0) this.messages.push([]);
    this.used = 0;
  }

  private newEmbed(): APIEmbed {
    if (this.embeds.length === DISCORD_LIMITS.embedsPerMessage) this.newMessage();
    const embed: APIEmbed = { color: COLOR };
    this.embeds.push(embed);
    return embed;
  }

  title(text: string): void {
    this.newEmbed().title = text;
    this.used += text.length;
  }

  /** Description chunks, as large as the current message allows, each in an embed of its own. */
  description(queue: Piece[]): void {
    while (queue.length > 0) {
      let cap = Math.min(DISCORD_LIMITS.embedDescription, this.room());
      if (cap < MIN_CHUNK) {
        this.newMessage();
        cap = DISCORD_LIMITS.embedDescription;
      }
      const chunk = take(queue, cap)?.trim();
      if (chunk === undefined) {
        if (this.embeds.length === 0) throw new RangeError("a piece longer than a description");
        this.newMessage();
        continue;
      }
      if (!chunk) continue;
      const last = this.last;
      const embed = last && last.description === undefined && !last.fields && !last.footer ? last : this.newEmbed();
      embed.description = chunk;
      this.used += chunk.length;
    }
  }

  field(field: APIEmbedField): void {
    const size = field.name.length + field.value.length;
    if (size > this.room()) this.newMessage();
    const last = this.last;
    const embed =
      last && !last.footer && (last.fields?.length ?? 0) < DISCORD_LIMITS.embedFields ? last : this.newEmbed();
    embed.fields ??= [];
    embed.fields.push(field);
    this.used += size;
  }

  footer(text: string): void {
    if (text.length > this.room()) this.newMessage();
    const last = this.last;
    const embed = last && !last.footer ? last : this.newEmbed();
    embed.footer = { text };
    this.used += text.length;
  }
}

/** A field value: Markdown as fields show it, mentions neutralised, blank shown as a dash. */
function fieldMarkdown(markdown: string): string {
  return neutraliseMentions(discordMarkdown(markdown, "field")).trim() || EMPTY;
}

/** A value too long for one field continues in fields named "<name> (continued)". */
function longField(name: string, parts: string[], between: string, inline = false): APIEmbedField[] {
  const values = chunks(parts, DISCORD_LIMITS.fieldValue, between);
  if (values.length === 0) values.push(EMPTY);
  const first = label(name, DISCORD_LIMITS.fieldName) || EMPTY;
  const next = `${label(name, DISCORD_LIMITS.fieldName - CONTINUED.length) || EMPTY}${CONTINUED}`;
  return values.map((value, i) => ({ name: i === 0 ? first : next, value, ...(inline ? { inline } : {}) }));
}

/**
 * One inline field per side (Discord shows up to three side by side), each listing every aspect in bold over
 * that side's value. More than three sides, a column over one field's 1,024 characters or a blank side name:
 * stacked instead, one field per aspect with each side in bold over its value.
 */
function comparisonFields(table: ComparisonTable): APIEmbedField[] {
  if (table.rows.length === 0) return [];
  const width = Math.max(table.sides.length, ...table.rows.map((r) => r.values.length));
  const aspect = (text: string) => `**${label(text, DISCORD_LIMITS.fieldName) || EMPTY}**`;
  const side = (i: number) => label(table.sides[i] ?? "", DISCORD_LIMITS.fieldName);
  const cell = (row: ComparisonTable["rows"][number], i: number) => fieldMarkdown(row.values[i] ?? "");
  if (width <= 3 && table.sides.every((_, i) => side(i) !== "")) {
    const columns = table.sides.map((_, i) =>
      chunks(
        table.rows.map((row) => `${aspect(row.aspect)}\n${cell(row, i)}`),
        DISCORD_LIMITS.fieldValue,
        "\n",
      ),
    );
    if (columns.every((c) => c.length === 1)) {
      return columns.map((c, i) => ({ name: side(i), value: c[0] as string, inline: true }));
    }
  }
  return table.rows.flatMap((row) =>
    longField(
      row.aspect,
      Array.from({ length: width }, (_, i) => (side(i) ? `**${side(i)}**\n${cell(row, i)}` : cell(row, i))),
      "\n",
    ),
  );
}

/** A reply field: inline when it is short enough to sit beside others. */
function replyFields(fields: NonNullable<Reply["fields"]>): APIEmbedField[] {
  return fields.flatMap((f) => {
    const value = fieldMarkdown(f.value);
    const inline = value.length <= 60 && !value.includes("\n") && oneLine(f.label).length <= 40;
    return longField(f.label, [value], "\n", inline);
  });
}

function codeBlock(code: string): string {
  // Discord ends a code block at the first ```, wherever it is: one inside the code is broken up invisibly.
  return `${FENCE}\n${wellFormed(code).replace(/\n+$/, "").replaceAll(FENCE, `\`${ZWSP}\`${ZWSP}\``)}\n${FENCE}`;
}

function buttonRows(buttons: Button[]): APIActionRowComponent<APIButtonComponent>[] {
  // Discord refuses two equal custom_ids in one message: a repeated action is shown once.
  const seen = new Set<string>();
  const unique = buttons.filter((b) => !seen.has(b.action) && seen.add(b.action));
  const kept = unique.slice(0, BUTTONS_PER_MESSAGE).map((b): APIButtonComponentWithCustomId => {
    if (b.action.length === 0 || b.action.length > DISCORD_LIMITS.customId) {
      throw new RangeError(
        `button action id must be 1-${DISCORD_LIMITS.customId} characters: ${b.action.slice(0, 40)}`,
      );
    }
    return {
      type: ComponentType.Button,
      style:
        b.style === "primary" ? ButtonStyle.Primary : b.style === "danger" ? ButtonStyle.Danger : ButtonStyle.Secondary,
      label: truncate(neutraliseMentions(oneLine(wellFormed(unmarked(b.label)))), DISCORD_LIMITS.buttonLabel) || MARKER,
      custom_id: b.action,
    };
  });
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < kept.length; i += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: ComponentType.ActionRow, components: kept.slice(i, i + DISCORD_LIMITS.buttonsPerRow) });
  }
  return rows;
}

/**
 * One Reply → one or more Discord messages, each within every limit in DISCORD_LIMITS.
 *
 * Header → embed title; text, code and bullets → the description, in that order (text Markdown as Discord shows
 * it, see discordMarkdown; code as a ``` block; bullets as a `- ` list); comparison → inline fields, one column
 * per side (or stacked, see comparisonFields); fields → fields (inline when short); context → footer (plain
 * text; a context over 2,048 characters goes into the description instead). Fields always show under the
 * description, so a card reads: prose and lists, then the table, then the source line.
 *
 * Long text is split at paragraphs, then lines, then words; only a word longer than a whole description is cut,
 * with "…". When the embeds need more than one message, the buttons go on the last. At most 25 buttons (five
 * rows of five) are kept, the rest dropped; a repeated action id is kept once. Nothing is logged: this is pure.
 * A reply with nothing to put in an embed becomes one message whose content is the fallback.
 */
export function renderDiscord(reply: Reply): DiscordMessage[] {
  const layout = new Layout();
  const header = reply.header?.trim() ? label(reply.header, DISCORD_LIMITS.embedTitle) : "";
  if (header) layout.title(header);

  const context = reply.context?.trim() ? neutraliseMentions(plainText(oneLine(wellFormed(reply.context)))) : "";
  const description = [
    reply.text?.trim() ? discordMarkdown(reply.text, "description") : "",
    reply.code?.trim() ? codeBlock(reply.code) : "",
    reply.bullets?.length
      ? reply.bullets.map((b) => `- ${discordMarkdown(b, "description").trim().replace(/\n/g, "\n  ")}`).join("\n")
      : "",
  ]
    .filter((part) => part !== "")
    .map(neutraliseMentions);
  layout.description(pieces(description, DISCORD_LIMITS.embedDescription, "\n\n"));

  if (reply.comparison) for (const f of comparisonFields(reply.comparison)) layout.field(f);
  if (reply.fields?.length) for (const f of replyFields(reply.fields)) layout.field(f);

  if (context.length > DISCORD_LIMITS.footerText) {
    layout.description(
      pieces(
        [neutraliseMentions(discordMarkdown(reply.context ?? "", "description"))],
        DISCORD_LIMITS.embedDescription,
        "",
      ),
    );
  } else if (context) layout.footer(context);

  const components = buttonRows(reply.buttons ?? []);
  const messages: DiscordMessage[] = layout.messages
    .filter((embeds) => embeds.length > 0)
    .map((embeds) => ({ embeds, components: [], allowedMentions: { parse: [] } }));
  const last = messages[messages.length - 1];
  if (!last) {
    const content =
      neutraliseMentions(convertAround(wellFormed(reply.fallback).trim(), (md) => md, typedLiteral)) || EMPTY;
    return [
      { content: truncate(content, DISCORD_LIMITS.content), embeds: [], components, allowedMentions: { parse: [] } },
    ];
  }
  last.components = components;
  return messages;
}

/** An autocomplete choice within Discord's 100-character name and value limits, cut on a word with "…". */
export function autocompleteChoice(name: string, value: string): { name: string; value: string } {
  const shownValue = truncate(wellFormed(value), DISCORD_LIMITS.choiceValue);
  const shownName = truncate(oneLine(wellFormed(name)), DISCORD_LIMITS.choiceName) || oneLine(shownValue) || MARKER;
  return { name: shownName, value: shownValue };
}
