import type { types as Slack } from "@slack/bolt";
import type { Button, ComparisonTable, Reply } from "../../core/reply.ts";
import { unmarked } from "../../core/user-text.ts";
import { segments } from "../shared/tables.ts";
import { escapeSlack, neutralisePlain } from "./escape.ts";
import { boldLabel, oneLine, splitMrkdwn, toMrkdwn, truncate } from "./mrkdwn.ts";

export { escapeSlack } from "./escape.ts";

export type KnownBlock = Slack.KnownBlock;

/** One chat.postMessage / respond / chat.update payload: blocks and the notification text. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit limits (docs.slack.dev, ../shared/platform-facts.md); the renderer keeps every message within them. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  elementsPerActions: 25,
  /** Not a Block Kit limit: kept short because it is only what notifications show. */
  fallbackText: 3000,
} as const;

/** What an empty cell or field shows: a text object must not be empty. */
const EMPTY = "—";

function section(text: string): Slack.SectionBlock {
  // verbatim: Slack must not turn bare words into links or mentions of its own accord.
  return { type: "section", text: { type: "mrkdwn", text, verbatim: true } };
}

function mrkdwn(text: string): Slack.MrkdwnElement {
  return { type: "mrkdwn", text, verbatim: true };
}

function plain(text: string, max: number): Slack.PlainTextElement {
  return { type: "plain_text", text: oneLine(neutralisePlain(unmarked(text)), max) || MARKER_LABEL, emoji: true };
}

/** A label that is empty or only spaces would be rejected by Slack. */
const MARKER_LABEL = "…";

/** Long mrkdwn as as many sections as it needs. */
function sections(text: string): Slack.SectionBlock[] {
  return splitMrkdwn(text, SLACK_LIMITS.sectionText).map(section);
}

/**
 * Cells shown as section fields, up to 10 a section, under an optional title (the text of the first
 * section); a cell too long for a field gets sections of its own instead of being cut.
 */
function fieldSections(cells: string[], title = ""): Slack.SectionBlock[] {
  const out: Slack.SectionBlock[] = [];
  let untitled = title;
  const takeTitle = () => {
    const t = untitled;
    untitled = "";
    return t;
  };
  let fields: string[] = [];
  const flush = () => {
    if (fields.length === 0) return;
    const t = takeTitle();
    const elements = fields.map(mrkdwn);
    fields = [];
    if (t.length > SLACK_LIMITS.sectionText) out.push(...sections(t), { type: "section", fields: elements });
    else out.push(t ? { type: "section", text: mrkdwn(t), fields: elements } : { type: "section", fields: elements });
  };
  for (const c of cells) {
    if (c.length <= SLACK_LIMITS.fieldText) {
      fields.push(c);
      if (fields.length === SLACK_LIMITS.fieldsPerSection) flush();
      continue;
    }
    flush();
    out.push(...sections(takeTitle()), ...sections(c));
  }
  flush();
  out.push(...sections(takeTitle()));
  return out;
}

function cell(label: string, markdown: string): string {
  return [boldLabel(label), toMrkdwn(markdown) || EMPTY].filter(Boolean).join("\n");
}

/**
 * Slack has no tables: one section per aspect, the aspect in bold as its text and one field per side
 * ("*Side*" over the value), which Slack lays out in two columns.
 */
function comparisonBlocks(table: ComparisonTable): Slack.SectionBlock[] {
  return table.rows.flatMap((row) => {
    const width = Math.max(table.sides.length, row.values.length);
    const cells = Array.from({ length: width }, (_, i) => cell(table.sides[i] ?? "", row.values[i] ?? ""));
    return fieldSections(cells, boldLabel(row.aspect));
  });
}

/**
 * Slack shows a Markdown table as raw pipes, so a table in a reply's text is laid out like a comparison:
 * one section per row, its first cell in bold as the section's text and one field per other cell, the
 * column's header in bold over the value. A one-column table becomes a bulleted list.
 */
function tableBlocks(rows: string[][]): Slack.SectionBlock[] {
  const [header = [], ...body] = rows;
  if (header.length <= 1) {
    const list = body.map((r) => `• ${toMrkdwn(r[0] ?? "") || EMPTY}`).join("\n");
    return sections([boldLabel(header[0] ?? ""), list].filter(Boolean).join("\n"));
  }
  return body.flatMap((row) => {
    const first = toMrkdwn(row[0] ?? "") || EMPTY;
    const cells = header.slice(1).map((h, j) => cell(h, row[j + 1] ?? ""));
    return fieldSections(cells, `*${first}*`);
  });
}

/** A reply's Markdown text: prose as sections, each table as tableBlocks. */
function textBlocks(markdown: string): Slack.SectionBlock[] {
  return segments(markdown).flatMap((s) => (s.kind === "table" ? tableBlocks(s.rows) : sections(toMrkdwn(s.text))));
}

function actionBlocks(buttons: Button[]): Slack.ActionsBlock[] {
  const out: Slack.ActionsBlock[] = [];
  let elements: Slack.Button[] = [];
  const ids = new Set<string>();
  const flush = () => {
    if (elements.length > 0) out.push({ type: "actions", elements });
    elements = [];
    ids.clear();
  };
  for (const b of buttons) {
    if (b.action.length === 0 || b.action.length > SLACK_LIMITS.actionId) {
      throw new RangeError(`button action id must be 1-${SLACK_LIMITS.actionId} characters: ${b.action.slice(0, 40)}`);
    }
    // Slack refuses two equal action_ids in one block; the second goes into the next block.
    if (elements.length === SLACK_LIMITS.elementsPerActions || ids.has(b.action)) flush();
    elements.push({
      type: "button",
      text: plain(b.label, SLACK_LIMITS.buttonText),
      action_id: b.action,
      value: b.action,
      ...(b.style ? { style: b.style } : {}),
    });
    ids.add(b.action);
  }
  flush();
  return out;
}

function contextBlocks(context: string): Slack.ContextBlock[] {
  const parts = splitMrkdwn(toMrkdwn(context), SLACK_LIMITS.sectionText);
  const out: Slack.ContextBlock[] = [];
  for (let i = 0; i < parts.length; i += SLACK_LIMITS.contextElements) {
    out.push({ type: "context", elements: parts.slice(i, i + SLACK_LIMITS.contextElements).map(mrkdwn) });
  }
  return out;
}

/** Code as a ``` block: escaped, never converted, and a ``` inside cannot end the block early. */
function codeBlock(code: string): string {
  const body = escapeSlack(code.replace(/\n+$/, "")).replace(/```/g, "`\u200b`\u200b`");
  return `\`\`\`\n${body}\n\`\`\``;
}

/** The blocks of a reply, in the order the terminal shows them; how many messages they need comes later. */
function blocksOf(reply: Reply): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (reply.header?.trim()) {
    blocks.push({ type: "header", text: plain(reply.header, SLACK_LIMITS.headerText) });
  }
  if (reply.text?.trim()) blocks.push(...textBlocks(reply.text));
  if (reply.comparison) blocks.push(...comparisonBlocks(reply.comparison));
  if (reply.fields?.length) blocks.push(...fieldSections(reply.fields.map((f) => cell(f.label, f.value))));
  if (reply.code?.trim()) blocks.push(...sections(codeBlock(reply.code)));
  if (reply.bullets?.length) {
    blocks.push(...sections(reply.bullets.map((b) => `• ${toMrkdwn(b)}`).join("\n")));
  }
  if (reply.context?.trim()) blocks.push(...contextBlocks(reply.context));
  if (reply.buttons?.length) blocks.push(...actionBlocks(reply.buttons));
  if (blocks.length === 0) blocks.push(...sections(escapeSlack(unmarked(reply.fallback).trim() || EMPTY)));
  return blocks;
}

/** One Reply → one or more Slack messages (long replies are split), each within every Block Kit limit. */
export function renderSlack(reply: Reply): SlackMessage[] {
  const blocks = blocksOf(reply);
  const count = Math.ceil(blocks.length / SLACK_LIMITS.blocksPerMessage);
  const fallback = escapeSlack(unmarked(reply.fallback.trim() || reply.header?.trim() || EMPTY));
  const title = oneLine(escapeSlack(unmarked(reply.header?.trim() || reply.fallback.split("\n")[0] || "")), 200);
  return Array.from({ length: count }, (_, i) => ({
    text:
      i === 0
        ? truncate(fallback, SLACK_LIMITS.fallbackText)
        : truncate(`${title} (${i + 1}/${count})`, SLACK_LIMITS.fallbackText),
    blocks: blocks.slice(i * SLACK_LIMITS.blocksPerMessage, (i + 1) * SLACK_LIMITS.blocksPerMessage),
  }));
}
