import { encodeAction } from "./actions.ts";
import type { Caller, Context } from "./command.ts";
import { forChat } from "./knowledge/chat-text.ts";
import type { KnowledgeBase } from "./knowledge/loader.ts";
import type { Passage } from "./knowledge/passages.ts";
import type { Entry } from "./knowledge/schema.ts";
import type { SearchResult } from "./knowledge/search.ts";
import { referenceSource } from "./knowledge/source.ts";
import { type Button, type ComparisonTable, type Reply, reply, type Visibility } from "./reply.ts";

/** Characters of an entry's body per "Show more" page, well inside every platform's limits. */
export const PAGE_SIZE = 1500;

function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/s.exec(text.trim());
  return (m?.[1] ?? text).replace(/\s+/g, " ").trim();
}

function commandBullets(entry: Entry): string[] {
  return entry.commands.map((c) => `\`${c.cmd}\`: ${c.does}`);
}

function sourceLine(entry: Entry, passage?: Passage): string {
  // A reference pack's file: its pack and a link back to it (both from the pack's pack.yaml).
  if (entry.source) return referenceSource(entry, passage);
  return `Docker ${entry.verified.docker} · checked ${entry.verified.date} · ${entry.sources[0] ?? ""}`.trim();
}

export interface AnswerOptions {
  visibility: Visibility;
  /** The stored query, when the answer came from a question: enables the feedback buttons. */
  queryId?: number;
  replaceOriginal?: boolean;
  /** A close runner-up: named in one line, so a near tie is never passed off as certain. */
  alsoSee?: Entry;
}

/** "Remember this", the feedback buttons, and "Share in channel" on an only-me answer. */
function closingButtons(entry: Entry, opts: AnswerOptions): Button[] {
  const buttons: Button[] = [];
  // The entry's quiz questions join the presser's review deck.
  if (entry.quiz.length > 0)
    buttons.push({ label: "Remember this", action: encodeAction({ kind: "rvadd", entry: entry.id }) });
  if (opts.queryId !== undefined) {
    buttons.push({ label: "👍", action: encodeAction({ kind: "vote", query: opts.queryId, vote: "up" }) });
    buttons.push({ label: "👎", action: encodeAction({ kind: "vote", query: opts.queryId, vote: "down" }) });
  }
  if (opts.visibility === "ephemeral") {
    buttons.push({
      label: "Share in channel",
      action: encodeAction({ kind: "share", entry: entry.id }),
      style: "primary",
    });
  }
  return buttons;
}

/** "Also see: X" first among the buttons, and the line that says why. */
function alsoSeeParts(entry: Entry, opts: AnswerOptions): { buttons: Button[]; line?: string } {
  const other = opts.alsoSee;
  if (!other || other.id === entry.id) return { buttons: [] };
  return {
    buttons: [{ label: other.title, action: encodeAction({ kind: "entry", entry: other.id }) }],
    line: `Also see: ${other.title} (close to this question too)`,
  };
}

/** The entry's key commands that the passage does not already show. */
function commandsBeyond(entry: Entry, text: string): string[] {
  const shown = text.replace(/\s+/g, " ");
  return entry.commands
    .filter((c) => !shown.includes(c.cmd.replace(/\s+/g, " ")))
    .slice(0, 3)
    .map((c) => `\`${c.cmd}\`: ${c.does}`);
}

/**
 * The answer when one section of an entry answers the question: that section first, under the
 * entry's title and the section's heading; then the entry's key commands where they add to it;
 * then "Full entry", related topics and feedback.
 */
export function passageReply(kb: KnowledgeBase, entry: Entry, passage: Passage, opts: AnswerOptions): Reply {
  const also = alsoSeeParts(entry, opts);
  const buttons: Button[] = [
    ...also.buttons,
    { label: "Full entry", action: encodeAction({ kind: "entry", entry: entry.id }) },
  ];
  for (const id of entry.related.slice(0, 2)) {
    const rel = kb.byId.get(id);
    if (rel && rel.id !== opts.alsoSee?.id)
      buttons.push({ label: rel.title, action: encodeAction({ kind: "entry", entry: id }) });
  }
  buttons.push(...closingButtons(entry, opts));
  const text = forChat(passage.section.text);
  const more = commandsBeyond(entry, text);
  return reply({
    header: entry.title,
    text: `**${passage.section.heading}**\n\n${text}`,
    bullets: more.length > 0 ? more : undefined,
    buttons,
    context: [also.line, sourceLine(entry, passage)].filter(Boolean).join(" · "),
    visibility: opts.visibility,
    replaceOriginal: opts.replaceOriginal,
    fallback: `${entry.title}: ${passage.section.heading}`,
  });
}

/** The reply for a confident search result (an entry, a passage or a comparison); none otherwise. */
export function answerReply(kb: KnowledgeBase, result: SearchResult, opts: AnswerOptions): Reply | undefined {
  if (!result.confident) return undefined;
  const alsoSee = result.alsoSee?.entry;
  if (result.kind === "comparison")
    return builtComparisonReply(
      kb,
      result.hits.map((h) => h.entry),
      opts,
    );
  const top = result.hits[0];
  if (result.kind !== "answer" || !top) return undefined;
  const o = { ...opts, ...(alsoSee ? { alsoSee } : {}) };
  return top.passage ? passageReply(kb, top.entry, top.passage, o) : entryReply(kb, top.entry, o);
}

/** The answer card for one entry: title, summary, key commands, and what to do next. */
export function entryReply(kb: KnowledgeBase, entry: Entry, opts: AnswerOptions): Reply {
  const also = alsoSeeParts(entry, opts);
  const buttons: Button[] = [...also.buttons];
  for (const id of entry.related.slice(0, 3)) {
    const rel = kb.byId.get(id);
    if (rel) buttons.push({ label: rel.title, action: encodeAction({ kind: "entry", entry: id }) });
  }
  if (pages(entry).length > 0) {
    buttons.push({ label: "Show more", action: encodeAction({ kind: "more", entry: entry.id }) });
  }
  buttons.push(...closingButtons(entry, opts));
  const comparison = entry.compare ? tableOf(entry) : undefined;
  const bullets = commandBullets(entry);
  return reply({
    header: entry.title,
    text: entry.summary,
    comparison,
    bullets: bullets.length > 0 ? bullets : undefined,
    buttons,
    context: [also.line, sourceLine(entry)].filter(Boolean).join(" · "),
    visibility: opts.visibility,
    replaceOriginal: opts.replaceOriginal,
    fallback: `${entry.title}: ${entry.summary}`,
  });
}

function tableOf(entry: Entry): ComparisonTable | undefined {
  if (!entry.compare) return undefined;
  return { sides: entry.compare.sides.map((s) => s.label), rows: entry.compare.rows };
}

/** A side-by-side built from entries that have no comparison entry of their own. */
export function builtComparisonReply(kb: KnowledgeBase, entries: Entry[], opts: AnswerOptions): Reply {
  const related = (e: Entry) =>
    e.related
      .slice(0, 3)
      .map((id) => kb.byId.get(id)?.title ?? id)
      .join(", ") || "-";
  const comparison: ComparisonTable = {
    sides: entries.map((e) => e.title),
    rows: [
      { aspect: "In short", values: entries.map((e) => firstSentence(e.summary)) },
      { aspect: "Key command", values: entries.map((e) => (e.commands[0] ? `\`${e.commands[0].cmd}\`` : "-")) },
      { aspect: "Topics", values: entries.map((e) => e.tags.join(", ")) },
      { aspect: "See also", values: entries.map(related) },
    ],
  };
  const buttons: Button[] = entries.map((e) => ({
    label: e.title,
    action: encodeAction({ kind: "entry", entry: e.id }),
  }));
  if (opts.queryId !== undefined) {
    buttons.push({ label: "👍", action: encodeAction({ kind: "vote", query: opts.queryId, vote: "up" }) });
    buttons.push({ label: "👎", action: encodeAction({ kind: "vote", query: opts.queryId, vote: "down" }) });
  }
  const header = entries.map((e) => e.title).join(" vs ");
  return reply({
    header,
    comparison,
    buttons,
    context: "Built from the entries on each side; there is no comparison entry for this pair yet.",
    visibility: opts.visibility,
    fallback: `${header}\n${entries.map((e) => `${e.title}: ${firstSentence(e.summary)}`).join("\n")}`,
  });
}

/** The entry's body in pages of whole sections (a long section is split at paragraph breaks). */
export function pages(entry: Entry): string[] {
  const blocks = splitOutsideFences(forChat(entry.body), (line) => /^#{1,3} /.test(line), "keep")
    .flatMap((section) => (section.length <= PAGE_SIZE ? [section] : paragraphs(section)))
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  const out: string[] = [];
  let current = "";
  for (const block of blocks) {
    const joined = current ? `${current}\n\n${block}` : block;
    if (joined.length > PAGE_SIZE && current) {
      out.push(current);
      current = block;
    } else {
      current = joined;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Splits at blank lines, but never inside a fenced code block (a page must not cut one in two). */
function paragraphs(section: string): string[] {
  return splitOutsideFences(section, (line) => line.trim() === "", "drop");
}

/**
 * Splits Markdown before each line that `at` matches, outside fenced code blocks only (a `# comment`
 * in a shell example is not a heading). The matching line starts the next part, or is dropped.
 */
function splitOutsideFences(text: string, at: (line: string) => boolean, matched: "keep" | "drop"): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (!fenced && at(line)) {
      if (current.length > 0) out.push(current.join("\n"));
      current = matched === "keep" ? [line] : [];
      continue;
    }
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    current.push(line);
  }
  if (current.length > 0) out.push(current.join("\n"));
  return out;
}

export function pageReply(entry: Entry, page: number, inPlace: boolean): Reply {
  const all = pages(entry);
  const index = Math.min(Math.max(page, 0), all.length - 1);
  const buttons: Button[] = [];
  if (index > 0)
    buttons.push({ label: "◀ Previous", action: encodeAction({ kind: "page", entry: entry.id, page: index - 1 }) });
  if (index < all.length - 1) {
    buttons.push({ label: "Next ▶", action: encodeAction({ kind: "page", entry: entry.id, page: index + 1 }) });
  }
  return reply({
    header: `${entry.title} (${index + 1}/${all.length})`,
    text: all[index] ?? "",
    buttons,
    context: entry.sources.join(" · "),
    visibility: "ephemeral",
    replaceOriginal: inPlace,
  });
}

/** How long the same entry is not repeated publicly in one channel. */
export const REPEAT_WINDOW_MS = 60_000;

/**
 * Posts an answer in the channel (the entry, or the section of it that answers the question),
 * unless the same answer was posted there within the last minute: then the asker alone gets a
 * pointer to it instead of a repeat.
 */
export async function publicAnswer(
  answer: { entry: Entry; passage?: Passage; alsoSee?: Entry },
  caller: Caller,
  ctx: Context,
  queryId?: number,
): Promise<Reply> {
  const { entry, passage } = answer;
  const now = ctx.clock.now();
  const where = {
    platform: caller.platform,
    workspaceId: caller.workspaceId,
    channelId: caller.channelId,
    // A section is its own answer: another section of the same entry is not a repeat.
    entryId: passage ? passage.id : entry.id,
  };
  const earlier = await ctx.store.recentPost({ ...where, since: new Date(now.getTime() - REPEAT_WINDOW_MS) });
  const title = passage ? `${entry.title}: ${passage.section.heading}` : entry.title;
  if (earlier) {
    const seconds = Math.max(1, Math.round((now.getTime() - earlier.at.getTime()) / 1000));
    return reply({
      text: `“${title}” was posted in this channel ${seconds} seconds ago, just above. Here it is again, only for you.`,
      buttons: [{ label: entry.title, action: encodeAction({ kind: "entry", entry: entry.id }) }],
      visibility: "ephemeral",
    });
  }
  await ctx.store.recordPost({ ...where, messageRef: null, at: now });
  const opts = { visibility: "channel" as const, queryId, ...(answer.alsoSee ? { alsoSee: answer.alsoSee } : {}) };
  return passage ? passageReply(ctx.kb, entry, passage, opts) : entryReply(ctx.kb, entry, opts);
}
