/**
 * Entry bodies are Markdown written for files: lines wrapped at about 100 characters and links to
 * other entries as `[text](id.md)`. Chat platforms show every newline and cannot follow a relative
 * link, so before a body is shown in chat its wrapped paragraphs are joined into single lines and
 * entry links become their text. Code blocks, lists, tables, quotes and headings keep their lines.
 */
export function forChat(markdown: string): string {
  const out: string[] = [];
  let fenced = false;
  /** Whether the previous output line is prose (or a list item) that a wrapped line continues. */
  let open = false;
  for (const raw of markdown.split("\n")) {
    const line = raw.replace(/\s+$/, "");
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      out.push(line);
      open = false;
      continue;
    }
    if (fenced) {
      out.push(raw);
      continue;
    }
    const text = unlinkEntries(line);
    const blank = text.trim() === "";
    const block = /^\s*(#{1,6}\s|[-*+]\s|\d+[.)]\s|\||>|\s{4})/.test(text);
    const continuation = !blank && !block;
    if (open && continuation) {
      out[out.length - 1] = `${out[out.length - 1]} ${text.trim()}`;
      continue;
    }
    // A list item's wrapped lines are indented: they continue the item.
    if (open && /^\s{2,3}\S/.test(text) && !/^\s*([-*+]|\d+[.)])\s/.test(text)) {
      out[out.length - 1] = `${out[out.length - 1]} ${text.trim()}`;
      continue;
    }
    out.push(text);
    open = !blank && !/^\s*(#{1,6}\s|\||>|\s{4})/.test(text);
  }
  return out.join("\n");
}

/** `[text](other-entry.md)` and `[text](other-entry.md#part)` → `text`; web links stay links. */
function unlinkEntries(line: string): string {
  return line.replace(/\[([^\]]+)\]\((?!https?:|mailto:)[a-z0-9-]+\.md(#[^)]*)?\)/g, "$1");
}
