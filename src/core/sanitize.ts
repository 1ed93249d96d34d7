/**
 * Text that arrives from a platform, cleaned once at the boundary: control characters (NUL, which
 * PostgreSQL refuses, escape sequences that would reach a terminal, C1 codes), bidirectional
 * overrides that make text read differently than it is stored, and the private-use marks that
 * replies use to delimit user text (see userText in reply.ts) are removed; line breaks are kept
 * as `\n`, tabs as tabs; a lone surrogate becomes U+FFFD.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(STRIP, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** C0 controls but tab and newline, DEL, C1, bidi embeddings/overrides/isolates, marks, BOM, user-text delimiters. */
const STRIP =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF\uE000\uE001]/g;

/** Cleans every string of an options object (typed command options from a platform). */
export function cleanOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k] = typeof v === "string" ? cleanText(v) : v;
  return out;
}
