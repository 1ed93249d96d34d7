import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  MessageFlags,
} from "discord.js";
import type { Button, ComparisonTable, Reply } from "../../core/reply.ts";

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
const MARKER = "…";
const EMPTY = "—";
const ZWSP = "\u200b";
const FENCE = "```";
const CLOSE = `\n${FENCE}`;
/** Below this much room left in a message, more description starts a new message instead of a sliver of an embed. */
const MIN_CHUNK = 300;
const CONTINUED = " (continued)";
const BUTTONS_PER_MESSAGE = DISCORD_LIMITS.actionRows * DISCORD_LIMITS.buttonsPerRow;

/** The flags an interaction reply needs for this reply: Ephemeral for only-me replies. */
export function messageFlags(reply: Reply): MessageFlags.Ephemeral | undefined {
  return reply.visibility === "ephemeral" ? MessageFlags.Ephemeral : undefined;
}

/** Lone surrogates would make the JSON invalid for Discord: each becomes U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/**
 * Makes echoed text harmless to look at, on top of `allowedMentions: { parse: [] }` (which already stops every
 * ping): a zero-width space after the `@` of @everyone/@here, and after the `<` of user, role, channel and
 * command mentions (`<@1>`, `<@!1>`, `<@&1>`, `<#1>`, `</cmd:1>`), so none of them renders as a mention either.
 */
export function neutraliseMentions(text: string): string {
  return text
    .replace(/@(?=everyone|here)/gi, `@${ZWSP}`)
    .replace(/<(?=(?:@[!&]?|#)\d+>|\/[^<>\s:]+:\d+>)/g, `<${ZWSP}`);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The largest index ≤ budget (and > 0) between two grapheme clusters: an emoji or accent is never torn apart. */
function safeCut(s: string, budget: number): number {
  if (s.length <= budget) return s.length;
  let cut = 0;
  for (const { index } of segmenter.segment(s.slice(0, budget + 32))) {
    if (index > budget) break;
    cut = index;
  }
  if (cut > 0) return cut;
  // one cluster longer than the budget (hundreds of combining marks): cut between code points
  const code = s.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}

/** Cuts text to at most `max` characters, at a space when there is one in the last half, ending with "…". */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = safeCut(text, max - MARKER.length);
  const space = Math.max(text.lastIndexOf(" ", cut), text.lastIndexOf("\n", cut));
  if (space > max / 2) cut = space;
  return `${text.slice(0, cut).trimEnd()}${MARKER}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A plain label where Discord renders Markdown (embed title, field name): escaped, on one line, cut to `max`. */
function label(text: string, max: number): string {
  return truncate(neutraliseMentions(escapeMarkdown(oneLine(wellFormed(text)))), max);
}

/** Footers show no Markdown: code spans, bold and links become their text (links keep their address). */
function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]\n]+)\]\((\S+?)\)/g, "$1 ($2)")
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/`([^`\n]+)`/g, "$1");
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown: Discord renders most of it natively. Two transformations, outside code blocks only:
// - headings: `#`–`###` render in an embed description when a blank line precedes them, so one is added there;
//   `####`–`######` never render, nor does any heading in a field value: those become a **bold** line;
// - GFM tables never render: a table becomes its header in bold and one list item per row,
//   `- first cell: other cells joined by " · "`.
// Code fences are closed wherever text is split (see take), and a fence left open is closed at its part's end.

// Both are matched against trimmed lines and written without nested or adjacent open-ended repeats, so a long
// line of spaces or dashes cannot make them backtrack for long.
const HEADING = /^(#{1,6})[ \t]+(\S.*)$/;
const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$/;

/** An ATX heading: its level and its text without a closing run of #. */
function heading(line: string): { level: number; text: string } | undefined {
  if (/^ {4}/.test(line)) return undefined;
  const m = HEADING.exec(line.trim());
  if (!m) return undefined;
  const text = m[2] as string;
  const closing = /[ \t]#+$/.exec(text);
  return { level: (m[1] as string).length, text: (closing ? text.slice(0, closing.index) : text).trimEnd() || text };
}

function opensFence(line: string): boolean {
  const t = line.trimStart();
  // "```x```" on one line is a complete block, not an opening fence
  return t.startsWith(FENCE) && !t.slice(FENCE.length).includes(FENCE);
}

function cells(row: string): string[] {
  let t = row.trim();
  if (t.startsWith("|")) t = t.slice(1);
  if (t.endsWith("|") && !t.endsWith("\\|")) t = t.slice(0, -1);
  return t.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
}

function tableRow(row: string[], bold: boolean): string {
  const shown = row.map((c) => (c === "" ? EMPTY : bold ? `**${c}**` : c));
  const [first = EMPTY, ...rest] = shown;
  return rest.length > 0 ? `${first}: ${rest.join(" · ")}` : first;
}

/** Markdown as Discord shows it in an embed description, or (`field`) in a field value. */
export function discordMarkdown(markdown: string, where: "description" | "field"): string {
  const lines = wellFormed(markdown).replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let inCode = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (inCode) {
      if (line.trimStart().startsWith(FENCE)) inCode = false;
      out.push(line);
      continue;
    }
    if (opensFence(line)) {
      inCode = true;
      out.push(line);
      continue;
    }
    const h = heading(line);
    if (h) {
      if (where === "description" && h.level <= 3) {
        if (out.length > 0 && out[out.length - 1]?.trim() !== "") out.push("");
        out.push(`${"#".repeat(h.level)} ${h.text}`);
      } else out.push(`**${h.text}**`);
      continue;
    }
    const next = lines[i + 1];
    if (line.includes("|") && next?.includes("-") && DELIMITER_ROW.test(next.trim())) {
      const header = cells(line);
      if (header.length === cells(next).length) {
        out.push(tableRow(header, true));
        i += 1;
        while (i + 1 < lines.length && lines[i + 1]?.includes("|") && lines[i + 1]?.trim() !== "") {
          out.push(`- ${tableRow(cells(lines[i + 1] as string), false)}`);
          i += 1;
        }
        continue;
      }
    }
    out.push(line);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Splitting: Markdown is broken into pieces (whole paragraphs when they fit, else lines, else words, else parts of
// a word ending in "…"), and pieces are packed greedily into chunks of a given size. A code block too long for a
// chunk becomes one piece per line; a chunk that ends inside it closes the fence, and the next reopens it.

interface Fence {
  open: string;
}

interface Piece {
  text: string;
  /** What joins it to the piece before when both are in one chunk. */
  sep: string;
  /** Part of a word cut in two: the chunk ends here (the "…" marks the cut). */
  cut?: boolean;
  /** A line inside this code block. */
  fence?: Fence;
}

interface Unit {
  lines: string[];
  sep: string;
  fence?: Fence;
}

function fenceOf(line: string): Fence {
  const lang = line.trimStart().slice(FENCE.length).trim();
  return { open: /^[\w+#.-]{1,20}$/.test(lang) ? `${FENCE}${lang}` : FENCE };
}

/** Paragraphs and code blocks, each with the separator before it. */
function units(markdown: string): Unit[] {
  const out: Unit[] = [];
  let current: Unit | undefined;
  let gap = "";
  const start = (fence?: Fence): Unit => {
    current = { lines: [], sep: out.length === 0 ? "" : gap, ...(fence ? { fence } : {}) };
    gap = "\n";
    return current;
  };
  const end = () => {
    if (current && (!current.fence || current.lines.some((l) => l.trim() !== ""))) out.push(current);
    current = undefined;
  };
  for (const line of markdown.split("\n")) {
    if (current?.fence) {
      if (line.trimStart().startsWith(FENCE)) end();
      else current.lines.push(line);
    } else if (opensFence(line)) {
      end();
      start(fenceOf(line));
    } else if (line.trim() === "") {
      end();
      gap = "\n\n";
    } else (current ?? start()).lines.push(line);
  }
  end();
  return out;
}

function hardPieces(word: string, max: number, sep: string): Piece[] {
  const out: Piece[] = [];
  let rest = word;
  while (rest.length > max) {
    const cut = safeCut(rest, max - MARKER.length);
    out.push({ text: `${rest.slice(0, cut)}${MARKER}`, sep: out.length === 0 ? sep : "", cut: true });
    rest = rest.slice(cut);
  }
  out.push({ text: rest, sep: out.length === 0 ? sep : "" });
  return out;
}

function textPieces(text: string, max: number, sep: string): Piece[] {
  if (text.length <= max) return [{ text, sep }];
  return text.split("\n").flatMap((line, i): Piece[] => {
    const lineSep = i === 0 ? sep : "\n";
    if (line.length <= max) return [{ text: line, sep: lineSep }];
    return line.split(" ").flatMap((word, j) => {
      const wordSep = j === 0 ? lineSep : " ";
      return word.length <= max ? [{ text: word, sep: wordSep }] : hardPieces(word, max, wordSep);
    });
  });
}

/** The pieces of several Markdown parts, each parsed on its own (an open fence in one cannot swallow the next). */
function pieces(parts: string[], max: number, between: string): Piece[] {
  const out: Piece[] = [];
  for (const part of parts) {
    for (const unit of units(part)) {
      const sep = out.length > 0 && unit.sep === "" ? between : unit.sep;
      const fence = unit.fence;
      if (!fence) {
        out.push(...textPieces(unit.lines.join("\n"), max, sep));
        continue;
      }
      const whole = `${fence.open}\n${unit.lines.join("\n")}${CLOSE}`;
      if (whole.length <= max) {
        out.push({ text: whole, sep });
        continue;
      }
      const inner = max - fence.open.length - 1 - CLOSE.length;
      unit.lines.forEach((line, i) => {
        const lineSep = i === 0 ? sep : "\n";
        const parts = line.length <= inner ? [{ text: line, sep: lineSep }] : hardPieces(line, inner, lineSep);
        for (const p of parts) out.push({ ...p, fence });
      });
    }
  }
  return out;
}

/**
 * Takes the longest run of pieces from the front of `queue` that fits `cap` characters, fences closed; undefined
 * when not even the first piece fits.
 */
function take(queue: Piece[], cap: number): string | undefined {
  let out = "";
  let open: Fence | undefined;
  let n = 0;
  while (n < queue.length) {
    const p = queue[n] as Piece;
    const closing = open && p.fence !== open ? CLOSE : "";
    const opening = p.fence && p.fence !== open ? `${p.fence.open}\n` : "";
    const addition = closing + (n === 0 ? "" : p.sep) + opening + p.text;
    if (out.length + addition.length + (p.fence ? CLOSE.length : 0) > cap) break;
    out += addition;
    open = p.fence;
    n++;
    if (p.cut) break;
  }
  if (n === 0) return undefined;
  queue.splice(0, n);
  return open ? out + CLOSE : out;
}

/** Markdown parts as chunks of at most `max` characters (field values). */
function chunks(parts: string[], max: number, between: string): string[] {
  const queue = pieces(parts, max, between);
  const out: string[] = [];
  while (queue.length > 0) {
    const chunk = take(queue, max);
    if (chunk === undefined) throw new RangeError("a piece longer than its chunk");
    if (chunk.trim()) out.push(chunk.trim());
  }
  return out;
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
      label: truncate(neutraliseMentions(oneLine(wellFormed(b.label))), DISCORD_LIMITS.buttonLabel) || MARKER,
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
    const content = neutraliseMentions(wellFormed(reply.fallback).trim()) || EMPTY;
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
