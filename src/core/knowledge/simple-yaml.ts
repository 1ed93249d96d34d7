import { parse as parseYaml } from "yaml";

/**
 * A reader for the plain YAML that knowledge files use (block mappings and sequences, plain,
 * quoted and block scalars, one-line flow lists of plain words), several times faster than the
 * full parser on large packs. It either returns exactly what `yaml`'s `parse` returns, or gives
 * up (`undefined`) on anything else: comments, anchors, tags, tabs, flow maps, unusual escapes or
 * indentation, duplicate keys. `parseYamlFast` then hands the text to the full parser, which also
 * reports every error; `dockhand lint` uses the full parser only.
 */
export function readSimpleYaml(text: string): { value: unknown } | undefined {
  if (UNSAFE.test(text)) return undefined;
  const reader = new Reader(text.split("\n"));
  try {
    return { value: reader.document() };
  } catch (err) {
    if (err instanceof Unusual) return undefined;
    throw err;
  }
}

/** `readSimpleYaml`, or the full parser when that gives up. */
export function parseYamlFast(text: string): unknown {
  const simple = readSimpleYaml(text);
  return simple ? simple.value : parseYaml(text);
}

/** Tabs, carriage returns, control characters and byte-order marks: left to the full parser. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what this rejects
const UNSAFE = /[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]/;
const KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
const ITEM_KEY = /^[A-Za-z_][A-Za-z0-9_-]*:(?: |$)/;
/** Keys the full parser reads as something else than a string, or that an object cannot hold as it is. */
const ODD_KEY = /^(?:null|true|false|__proto__)$/i;
/** A plain scalar that may be a number, a boolean or null: the full parser resolves it. */
const TYPED = /^(?:[-+]?\.?[0-9]|[-+]?\.inf$|\.nan$|~$|(?:null|true|false)$)/i;
/** Characters that cannot start a plain scalar (or that start something this reader leaves alone). */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;
const FLOW_WORD = /^[A-Za-z_/][A-Za-z0-9_./ -]*$/;
const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};

class Unusual extends Error {}

const indentOf = (line: string): number => {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
};
const isBlank = (line: string): boolean => indentOf(line) === line.length;
/** YAML trims spaces (tabs are never let in), not every Unicode space as `String.trim` does. */
const trimEnd = (s: string): string => s.replace(/ +$/, "");
const trim = (s: string): string => s.replace(/^ +| +$/g, "");
const plainOk = (s: string): boolean => !s.includes(" #") && !s.includes(": ") && !s.endsWith(":");

class Reader {
  private pos = 0;

  constructor(private readonly lines: string[]) {}

  private skipBlank(): string | undefined {
    while (this.pos < this.lines.length && isBlank(this.lines[this.pos] as string)) this.pos++;
    return this.lines[this.pos];
  }

  document(): unknown {
    const first = this.skipBlank();
    if (first === undefined || indentOf(first) !== 0 || !KEY.test(first)) throw new Unusual();
    const value = this.map(0);
    if (this.skipBlank() !== undefined) throw new Unusual();
    return value;
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.skipBlank(); line !== undefined; line = this.skipBlank()) {
      const at = indentOf(line);
      if (at < indent) break;
      if (at > indent) throw new Unusual();
      const m = KEY.exec(line.slice(at));
      if (!m) throw new Unusual();
      const key = m[1] as string;
      if (ODD_KEY.test(key) || Object.hasOwn(out, key)) throw new Unusual();
      out[key] = this.value(m[2], indent);
    }
    return out;
  }

  /** The value after `key:` (or `- `), `rest` on the same line; the line is consumed. */
  private value(rest: string | undefined, parent: number): unknown {
    const r = trimEnd(rest ?? "");
    if (r === "") {
      this.pos++;
      const next = this.skipBlank();
      if (next === undefined) return null;
      const at = indentOf(next);
      const body = next.slice(at);
      const dash = body === "-" || body.startsWith("- ");
      if (at > parent) {
        if (dash) return this.seq(at);
        if (KEY.test(body)) return this.map(at);
        throw new Unusual();
      }
      return at === parent && dash ? this.seq(at) : null;
    }
    const c = r[0];
    if (c === "'") return this.quoted(r, parent, false);
    if (c === '"') return this.quoted(r, parent, true);
    if (c === "|" || c === ">") return this.block(r, parent);
    if (c === "[") return this.flowList(r);
    if (r === "{}") {
      this.pos++;
      return {};
    }
    if (INDICATOR.test(r) && !/^-[^\s]/.test(r)) throw new Unusual();
    return this.plain(r, parent);
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.skipBlank(); line !== undefined; line = this.skipBlank()) {
      const at = indentOf(line);
      if (at < indent) break;
      if (at > indent) throw new Unusual();
      const body = line.slice(at);
      if (!body.startsWith("- ")) {
        if (body === "-") throw new Unusual();
        break;
      }
      const item = body.slice(2);
      if (item.startsWith(" ") || item.startsWith("- ") || item === "") throw new Unusual();
      if (ITEM_KEY.test(item)) {
        // "- key: value": a mapping whose keys line up two columns in.
        this.lines[this.pos] = `${" ".repeat(indent + 2)}${item}`;
        out.push(this.map(indent + 2));
      } else {
        out.push(this.value(item, indent));
      }
    }
    return out;
  }

  private plain(first: string, parent: number): unknown {
    if (!plainOk(first)) throw new Unusual();
    let text = first;
    let blanks = 0;
    let lines = 1;
    this.pos++;
    for (let i = this.pos; i < this.lines.length; i++) {
      const line = this.lines[i] as string;
      if (isBlank(line)) {
        blanks++;
        continue;
      }
      if (indentOf(line) <= parent) break;
      const part = trim(line);
      if (!plainOk(part) || /^(?:#|[-?:](?: |$))/.test(part)) throw new Unusual();
      text += blanks > 0 ? "\n".repeat(blanks) : " ";
      text += part;
      blanks = 0;
      lines++;
      this.pos = i + 1;
    }
    // Folded over several lines it holds a space: no number, boolean or null.
    if (lines === 1 && TYPED.test(first)) {
      // The common cases here, the rest by the full parser (which builds a whole document for it).
      if (/^(?:0|[1-9][0-9]{0,14})$/.test(first)) return Number(first);
      if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(first)) return first;
      const value: unknown = parseYaml(first);
      if (value !== null && typeof value === "object") throw new Unusual();
      return value;
    }
    return text;
  }

  /** A single- or double-quoted scalar, over one line or several (folded as YAML folds them). */
  private quoted(first: string, parent: number, double: boolean): string {
    let out = "";
    let line = first.slice(1);
    for (;;) {
      let i = 0;
      let close = -1;
      for (; i < line.length; i++) {
        const ch = line[i];
        if (double && ch === "\\") i++;
        else if (ch === (double ? '"' : "'")) {
          if (!double && line[i + 1] === "'") i++;
          else {
            close = i;
            break;
          }
        }
      }
      if (close >= 0) {
        if (trim(line.slice(close + 1)) !== "") throw new Unusual();
        out += double ? decodeEscapes(line.slice(0, close)) : line.slice(0, close).replaceAll("''", "'");
        this.pos++;
        return out;
      }
      // The line ends inside the quotes: fold the break.
      let segment = line;
      let escapedBreak = false;
      if (double) {
        const trailing = /\\+$/.exec(segment)?.[0].length ?? 0;
        if (trailing % 2 === 1) {
          escapedBreak = true;
          segment = segment.slice(0, -1);
        } else {
          segment = trimEnd(segment);
          if (/(^|[^\\])(\\\\)*\\$/.test(segment)) throw new Unusual();
        }
        out += decodeEscapes(segment);
      } else {
        out += trimEnd(segment).replaceAll("''", "'");
      }
      this.pos++;
      let blanks = 0;
      while (this.pos < this.lines.length && isBlank(this.lines[this.pos] as string)) {
        blanks++;
        this.pos++;
      }
      const next = this.lines[this.pos];
      if (next === undefined || indentOf(next) <= parent || (escapedBreak && blanks > 0)) throw new Unusual();
      if (!escapedBreak) out += blanks > 0 ? "\n".repeat(blanks) : " ";
      line = next.slice(indentOf(next));
    }
  }

  /** `|` and `>` block scalars, with or without `-`/`+` chomping (no explicit indentation). */
  private block(header: string, parent: number): string {
    const m = /^([|>])([-+]?)$/.exec(header);
    if (!m) throw new Unusual();
    this.pos++;
    const start = this.pos;
    let indent = -1;
    for (let i = start; i < this.lines.length; i++) {
      const line = this.lines[i] as string;
      if (isBlank(line)) continue;
      indent = indentOf(line);
      break;
    }
    if (indent <= parent) throw new Unusual();
    const content: string[] = [];
    let trailing = 0;
    for (; this.pos < this.lines.length; this.pos++) {
      const line = this.lines[this.pos] as string;
      if (isBlank(line)) {
        if (line.length > indent || content.length === 0) throw new Unusual();
        trailing++;
        continue;
      }
      if (indentOf(line) < indent) break;
      for (; trailing > 0; trailing--) content.push("");
      content.push(line.slice(indent));
    }
    let text: string;
    if (m[1] === "|") text = content.join("\n");
    else {
      text = "";
      let blanks = 0;
      for (const [i, line] of content.entries()) {
        if (line === "") {
          blanks++;
          continue;
        }
        if (line.startsWith(" ")) throw new Unusual();
        if (i > 0) text += blanks > 0 ? "\n".repeat(blanks) : " ";
        text += line;
        blanks = 0;
      }
    }
    if (m[2] === "-") return text;
    if (m[2] === "+") return `${text}\n${"\n".repeat(trailing)}`;
    return `${text}\n`;
  }

  /** `[a, b, c]` on one line, of plain words only. */
  private flowList(r: string): string[] {
    const m = /^\[(.*)\]$/.exec(r);
    if (!m) throw new Unusual();
    this.pos++;
    const inner = trim(m[1] as string);
    if (inner === "") return [];
    return inner.split(",").map((part) => {
      const word = trim(part);
      if (!FLOW_WORD.test(word) || TYPED.test(word) || word.includes(" #") || word.endsWith(" ")) throw new Unusual();
      return word;
    });
  }
}

function decodeEscapes(s: string): string {
  if (!s.includes("\\")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = s[++i] as string;
    const simple = ESCAPES[e];
    if (simple !== undefined && Object.hasOwn(ESCAPES, e)) {
      out += simple;
      continue;
    }
    const width = e === "x" ? 2 : e === "u" ? 4 : 0;
    const hex = s.slice(i + 1, i + 1 + width);
    if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) throw new Unusual();
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += width;
  }
  return out;
}
