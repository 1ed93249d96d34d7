/**
 * Text a person typed (a question, a display name, a track or topic argument) that a reply repeats
 * is marked, not escaped, in the core: each renderer then shows it as literal text in its own
 * platform's way (a code span on Slack and Discord, plain text in the terminal). So a question
 * typed as `[docs](https://evil.example)`, `<!channel>` or `**urgent**` comes back as those
 * characters, never as a link, a mention or formatting. The marks are private-use characters that
 * the boundary strips from everything that arrives (see sanitize.ts), so no one can type them.
 */
export const USER_OPEN = "\uE000";
export const USER_CLOSE = "\uE001";

/** Marks `text` as typed by a person; line breaks become spaces (it is quoted inline). */
export function userText(text: string): string {
  const inline = text
    .replace(/[\uE000\uE001]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return `${USER_OPEN}${inline}${USER_CLOSE}`;
}

/** The text without the marks, for places that show plain text (notifications, button labels). */
export function unmarked(text: string): string {
  return text.replace(/[\uE000\uE001]/g, "");
}

/** One run of a reply's text: written by the pack or Dockhand, or typed by a person. */
export interface Run {
  text: string;
  typed: boolean;
}

/** Splits text at the marks. An unclosed mark runs to the end of the text. */
export function runs(text: string): Run[] {
  const out: Run[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(USER_OPEN, i);
    if (open < 0) {
      out.push({ text: text.slice(i), typed: false });
      break;
    }
    if (open > i) out.push({ text: text.slice(i, open), typed: false });
    const close = text.indexOf(USER_CLOSE, open + 1);
    const end = close < 0 ? text.length : close;
    out.push({ text: text.slice(open + 1, end), typed: true });
    i = close < 0 ? text.length : close + 1;
  }
  return out.filter((r) => r.text.length > 0 || r.typed);
}

/** A placeholder for the i-th typed run while Markdown is converted: the marks around one private-use character. */
const slot = (i: number) => `${USER_OPEN}${String.fromCharCode(0xe100 + i)}${USER_CLOSE}`;
const SLOT = /\uE000([\uE100-\uF8FF])\uE001/g;
const MAX_SLOTS = 0xf8ff - 0xe100;

/**
 * Converts Markdown that may hold typed runs without letting the converter see them: each typed run is
 * set aside as a placeholder the converter passes through untouched, and after the conversion each
 * placeholder becomes `literal(typed)`, the platform's way of showing those characters as they are.
 * Text without typed runs goes straight through `convert`.
 */
export function convertAround(
  markdown: string,
  convert: (markdown: string) => string,
  literal: (typed: string) => string,
): string {
  if (!markdown.includes(USER_OPEN)) return convert(markdown);
  const typed: string[] = [];
  const parked = runs(markdown)
    .map((r) => {
      if (!r.typed) return r.text;
      if (typed.length >= MAX_SLOTS) return "";
      typed.push(r.text);
      return slot(typed.length - 1);
    })
    .join("");
  return convert(parked).replace(SLOT, (_m, c: string) => literal(typed[c.charCodeAt(0) - 0xe100] ?? ""));
}
