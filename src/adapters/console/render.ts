import type { ComparisonTable, Reply } from "../../core/reply.ts";
import { runs, unmarked } from "../../core/user-text.ts";
import { tableAt } from "../shared/tables.ts";

export interface RenderOptions {
  width: number;
  color: boolean;
}

const ansi = (code: string, color: boolean) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Wraps text to `width` columns at spaces; a word longer than a line is split with a hyphen. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (word.length > width) {
        if (line) {
          out.push(line);
          line = "";
        }
        out.push(`${word.slice(0, width - 1)}-`);
        word = word.slice(width - 1);
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/** Joins the hard-wrapped lines of Markdown paragraphs and list items; keeps code blocks as they are. */
export function unwrapMarkdown(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    const continues =
      !fenced &&
      prev !== undefined &&
      prev.trim() !== "" &&
      !/^\s*```/.test(prev) &&
      !/^#{1,6} /.test(prev) &&
      line.trim() !== "" &&
      !/^\s*([-*+] |\d+\. |#{1,6} |\||```)/.test(line);
    if (continues) out[out.length - 1] = `${prev} ${line.trim()}`;
    else out.push(line);
  }
  return out;
}

type Style = "plain" | "code" | "bold";

/** A piece of one line of inline Markdown, with its Markdown syntax taken off. */
interface Span {
  text: string;
  style: Style;
}

/**
 * Code spans, bold, links (as "text (address)"), backslash escapes and *emphasis* (shown bold); anything
 * else is text.
 */
const INLINE =
  /`([^`\n]+)`|\*\*((?:`[^`\n]*`|[^*\n])+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|\\([\\`*_|#[\]()<>-])|(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])/g;

/**
 * One line of Markdown as styled spans. Text a person typed is taken as it is, with no Markdown read
 * in it, so it shows as the characters typed.
 */
export function spans(line: string): Span[] {
  const out: Span[] = [];
  for (const run of runs(line)) {
    if (run.typed) {
      out.push({ text: run.text, style: "plain" });
      continue;
    }
    let last = 0;
    for (const m of run.text.matchAll(INLINE)) {
      if (m.index > last) out.push({ text: run.text.slice(last, m.index), style: "plain" });
      if (m[1] !== undefined) out.push({ text: m[1], style: "code" });
      else if (m[2] !== undefined) out.push(...boldSpans(m[2]));
      else if (m[3] !== undefined) out.push({ text: `${m[3].replace(/`/g, "")} (${m[4]})`, style: "plain" });
      else if (m[5] !== undefined) out.push({ text: m[5], style: "plain" });
      else out.push({ text: (m[6] ?? "").replace(/`/g, ""), style: "bold" });
      last = m.index + m[0].length;
    }
    if (last < run.text.length) out.push({ text: run.text.slice(last), style: "plain" });
  }
  return out;
}

/** Bold text whose code spans keep the code style (what is in them is shown as written). */
function boldSpans(text: string): Span[] {
  return text
    .split(/`([^`\n]*)`/)
    .map((t, i): Span => ({ text: t, style: i % 2 === 1 ? "code" : "bold" }))
    .filter((s) => s.text !== "");
}

const width_ = (line: Span[]) => line.reduce((n, s) => n + s.text.length, 0);

/** Cuts a line of spans after `n` characters. */
function cutSpans(line: Span[], n: number): [Span[], Span[]] {
  const head: Span[] = [];
  const tail: Span[] = [];
  let left = n;
  for (const s of line) {
    if (left >= s.text.length) head.push(s);
    else if (left > 0) {
      head.push({ text: s.text.slice(0, left), style: s.style });
      tail.push({ text: s.text.slice(left), style: s.style });
    } else tail.push(s);
    left -= s.text.length;
  }
  return [head, tail];
}

/** The words of a line of spans: split at whitespace, each word keeping the styles of its parts. */
function spanWords(line: Span[]): Span[][] {
  const words: Span[][] = [];
  let word: Span[] = [];
  for (const s of line) {
    const parts = s.text.split(/(\s+)/);
    parts.forEach((p, i) => {
      if (i % 2 === 1) {
        if (word.length > 0) words.push(word);
        word = [];
      } else if (p) word.push({ text: p, style: s.style });
    });
  }
  if (word.length > 0) words.push(word);
  return words;
}

/** Wraps a line of spans to `width` columns, like wrap(): at spaces, a longer word split with a hyphen. */
function wrapSpans(line: Span[], width: number): Span[][] {
  const out: Span[][] = [];
  let current: Span[] = [];
  for (let word of spanWords(line)) {
    while (width_(word) > width) {
      if (current.length > 0) out.push(current);
      current = [];
      const [head, tail] = cutSpans(word, width - 1);
      out.push([...head, { text: "-", style: "plain" }]);
      word = tail;
    }
    if (current.length === 0) current = word;
    else if (width_(current) + 1 + width_(word) <= width) {
      // a space inside a code span or bold stays part of it (one coloured run, not two)
      const before = current[current.length - 1]?.style;
      const space: Span = { text: " ", style: before === word[0]?.style ? (before ?? "plain") : "plain" };
      current = [...current, space, ...word];
    } else {
      out.push(current);
      current = word;
    }
  }
  out.push(current);
  return out;
}

function show(line: Span[], color: boolean): string {
  if (!color) return line.map((s) => s.text).join("");
  const merged: Span[] = [];
  for (const s of line) {
    const last = merged[merged.length - 1];
    if (last && last.style === s.style) last.text += s.text;
    else merged.push({ ...s });
  }
  return merged
    .map((s) =>
      s.style === "code" ? `\x1b[36m${s.text}\x1b[0m` : s.style === "bold" ? `\x1b[1m${s.text}\x1b[0m` : s.text,
    )
    .join("");
}

/** A line of inline Markdown wrapped to `width` and shown, each output line once. */
function inlineLines(markdown: string, width: number, color: boolean): string[] {
  return wrapSpans(spans(markdown), width).map((l) => show(l, color));
}

/** Plain text of a line of inline Markdown: the syntax taken off, typed text as typed. */
function inlineText(markdown: string): string {
  return spans(markdown)
    .map((s) => s.text)
    .join("");
}

/**
 * A grid of cells in aligned columns: each column as wide as its widest cell, the widest columns narrowed
 * (their cells wrapped) until the grid fits `width`. The first row is the header, in bold.
 */
export function gridTable(rows: string[][], opts: RenderOptions): string[] {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, j) => Math.max(1, ...rows.map((r) => (r[j] ?? "").length)));
  const budget = Math.max(cols * 4, opts.width - 3 * (cols - 1));
  while (widths.reduce((a, b) => a + b, 0) > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 4) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const bold = ansi("1", opts.color);
  const out: string[] = [];
  rows.forEach((row, r) => {
    const wrapped = widths.map((w, j) => wrap(row[j] ?? "", w));
    const height = Math.max(...wrapped.map((c) => c.length));
    for (let i = 0; i < height; i++) {
      const line = wrapped
        .map((c, j) => (c[i] ?? "").padEnd(widths[j] ?? 0))
        .join(" │ ")
        .trimEnd();
      out.push(r === 0 ? bold(line) : line);
    }
    if (r === 0) out.push(widths.map((w) => "─".repeat(w)).join("─┼─"));
  });
  return out;
}

/** A table with one column per side, cells wrapped so that columns stay aligned. */
export function renderTable(table: ComparisonTable, opts: RenderOptions): string[] {
  const cols = table.sides.length;
  const aspectWidth = Math.min(18, Math.max(6, ...table.rows.map((r) => r.aspect.length)));
  const cellWidth = Math.max(6, Math.floor((opts.width - aspectWidth - 3 * cols) / cols));
  const bold = ansi("1", opts.color);
  const row = (cells: string[][]) => {
    const height = Math.max(...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let i = 0; i < height; i++) {
      const parts = cells.map((c, j) => (c[i] ?? "").padEnd(j === 0 ? aspectWidth : cellWidth));
      lines.push(parts.join(" │ ").trimEnd());
    }
    return lines;
  };
  const rule = ["─".repeat(aspectWidth), ...table.sides.map(() => "─".repeat(cellWidth))].join("─┼─");
  const header = row([[""], ...table.sides.map((s) => wrap(s, cellWidth))]).map(bold);
  const body = table.rows.flatMap((r) => [
    ...row([wrap(r.aspect, aspectWidth), ...r.values.map((v) => wrap(v.replace(/`/g, ""), cellWidth))]),
  ]);
  return [...header, rule, ...body];
}

/** Markdown text as terminal lines: headings bold, lists indented, code indented without fences, tables aligned. */
function markdownLines(markdown: string, opts: RenderOptions): string[] {
  const dim = ansi("2", opts.color);
  const lines: string[] = [];
  const source = unwrapMarkdown(markdown);
  let fenced = false;
  for (let i = 0; i < source.length; i++) {
    const l = source[i] as string;
    if (/^\s*```/.test(l)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      lines.push(dim(`    ${l}`));
      continue;
    }
    const table = tableAt(source, i);
    if (table) {
      lines.push(
        ...gridTable(
          table.rows.map((r) => r.map(inlineText)),
          opts,
        ),
      );
      i = table.last;
      continue;
    }
    const heading = /^#{1,6} (.*)$/.exec(l);
    const item = /^(\s*)([-*+]|\d+\.) (.*)$/.exec(l);
    if (heading) lines.push(...inlineLines(`**${heading[1] ?? ""}**`, opts.width, opts.color));
    else if (item) {
      const indent = " ".repeat((item[1] ?? "").length + (item[2] ?? "").length + 1);
      const [first = "", ...rest] = inlineLines(item[3] ?? "", opts.width - indent.length, opts.color);
      lines.push(`${item[1]}${item[2]} ${first}`, ...rest.map((r) => indent + r));
    } else lines.push(...inlineLines(l, opts.width, opts.color));
  }
  return lines;
}

/** A reply as terminal text: header, wrapped Markdown, table, bullets, numbered buttons. */
export function renderReply(reply: Reply, opts: RenderOptions): string {
  const bold = ansi("1", opts.color);
  const dim = ansi("2", opts.color);
  const lines: string[] = [];
  if (reply.visibility === "ephemeral") lines.push(dim("(only you can see this)"));
  if (reply.header) lines.push(...wrap(unmarked(reply.header), opts.width).map(bold), "");
  if (reply.text) {
    lines.push(...markdownLines(reply.text, opts), "");
  }
  if (reply.comparison) lines.push(...renderTable(reply.comparison, opts), "");
  for (const f of reply.fields ?? []) lines.push(`${bold(unmarked(f.label))}: ${show(spans(f.value), opts.color)}`);
  if (reply.code) lines.push(...reply.code.split("\n").map((l) => `    ${l}`), "");
  for (const b of reply.bullets ?? []) {
    const [first = "", ...rest] = inlineLines(b, opts.width - 2, opts.color);
    lines.push(`• ${first}`, ...rest.map((r) => `  ${r}`));
  }
  if (reply.bullets?.length) lines.push("");
  if (reply.context) lines.push(...wrap(inlineText(reply.context), opts.width).map(dim));
  if (reply.buttons?.length) {
    // Buttons fill lines up to the width; a label is never broken.
    let line = "";
    reply.buttons.forEach((b, i) => {
      const full = `[${i + 1}] ${unmarked(b.label)}`;
      const label = full.length > opts.width ? `${full.slice(0, opts.width - 1)}…` : full;
      if (line && line.length + 2 + label.length > opts.width) {
        lines.push(line);
        line = label;
      } else line = line ? `${line}  ${label}` : label;
    });
    lines.push(line);
  }
  return lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
}
