import type { ComparisonTable, Reply } from "../../core/reply.ts";

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

function inline(text: string, color: boolean): string {
  if (!color) return text;
  return text
    .replace(/`([^`]+)`/g, (_m, code: string) => `\x1b[36m${code}\x1b[0m`)
    .replace(/\*\*([^*]+)\*\*/g, "\x1b[1m$1\x1b[0m");
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

/** A reply as terminal text: header, wrapped Markdown, table, bullets, numbered buttons. */
export function renderReply(reply: Reply, opts: RenderOptions): string {
  const bold = ansi("1", opts.color);
  const dim = ansi("2", opts.color);
  const lines: string[] = [];
  if (reply.visibility === "ephemeral") lines.push(dim("(only you can see this)"));
  if (reply.header) lines.push(...wrap(reply.header, opts.width).map(bold), "");
  if (reply.text) {
    let fenced = false;
    for (const l of unwrapMarkdown(reply.text)) {
      if (/^\s*```/.test(l)) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        lines.push(dim(`    ${l}`));
        continue;
      }
      const heading = /^#{1,3} (.*)$/.exec(l);
      const item = /^(\s*)([-*+]|\d+\.) (.*)$/.exec(l);
      if (heading) lines.push(...wrap(heading[1] ?? "", opts.width).map(bold));
      else if (item) {
        const indent = " ".repeat((item[1] ?? "").length + (item[2] ?? "").length + 1);
        const [first = "", ...rest] = wrap(item[3] ?? "", opts.width - indent.length);
        lines.push(
          `${item[1]}${item[2]} ${inline(first, opts.color)}`,
          ...rest.map((r) => indent + inline(r, opts.color)),
        );
      } else lines.push(...wrap(l, opts.width).map((w) => inline(w, opts.color)));
    }
    lines.push("");
  }
  if (reply.comparison) lines.push(...renderTable(reply.comparison, opts), "");
  for (const f of reply.fields ?? []) lines.push(`${bold(f.label)}: ${inline(f.value, opts.color)}`);
  if (reply.code) lines.push(...reply.code.split("\n").map((l) => `    ${l}`), "");
  for (const b of reply.bullets ?? []) {
    const [first = "", ...rest] = wrap(b, opts.width - 2);
    lines.push(`• ${inline(first, opts.color)}`, ...rest.map((r) => `  ${inline(r, opts.color)}`));
  }
  if (reply.bullets?.length) lines.push("");
  if (reply.context) lines.push(...wrap(reply.context, opts.width).map(dim));
  if (reply.buttons?.length) {
    // Buttons fill lines up to the width; a label is never broken.
    let line = "";
    reply.buttons.forEach((b, i) => {
      const full = `[${i + 1}] ${b.label}`;
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
