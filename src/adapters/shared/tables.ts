/**
 * GFM tables in pack Markdown. Slack and the terminal have no Markdown tables, so each adapter lays a
 * table out its own way; this finds them (outside code fences) and reads their cells, once for all.
 */

/** The row under a table's header: `| --- | :---: |`. Written without nested open-ended repeats. */
export const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$/;

/** The cells of one table row, `\|` kept as a literal bar. */
export function cells(row: string): string[] {
  let t = row.trim();
  if (t.startsWith("|")) t = t.slice(1);
  if (t.endsWith("|") && !t.endsWith("\\|")) t = t.slice(0, -1);
  return t.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
}

/** Whether `line` and `next` open a table: a row with bars over a delimiter row of as many columns. */
export function opensTable(line: string, next: string | undefined): boolean {
  if (!line.includes("|") || !next?.includes("-")) return false;
  return DELIMITER_ROW.test(next.trim()) && cells(line).length === cells(next).length;
}

/** The table whose header row is `lines[i]`: its rows (header first) and the index of its last line. */
export function tableAt(lines: string[], i: number): { rows: string[][]; last: number } | undefined {
  if (!opensTable(lines[i] ?? "", lines[i + 1])) return undefined;
  const rows = [cells(lines[i] as string)];
  let last = i + 1;
  while (last + 1 < lines.length && lines[last + 1]?.includes("|") && lines[last + 1]?.trim() !== "") {
    rows.push(cells(lines[last + 1] as string));
    last += 1;
  }
  return { rows, last };
}

/** A stretch of Markdown: prose (with any code blocks) or a table's rows, the header row first. */
export type Segment = { kind: "text"; text: string } | { kind: "table"; rows: string[][] };

/** Markdown cut into prose and tables, in order; a table inside a code fence is code, not a table. */
export function segments(markdown: string): Segment[] {
  const lines = markdown.split("\n");
  const out: Segment[] = [];
  let prose: string[] = [];
  let fenced = false;
  const flush = () => {
    if (prose.join("").trim()) out.push({ kind: "text", text: prose.join("\n") });
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const table = fenced ? undefined : tableAt(lines, i);
    if (!table) {
      prose.push(line);
      continue;
    }
    flush();
    out.push({ kind: "table", rows: table.rows });
    i = table.last;
  }
  flush();
  return out;
}
