import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Problem, zodProblems } from "./problems.ts";
import type { Entry } from "./schema.ts";
import { anchorOf, SECTION_MAX, type Section } from "./sections.ts";

/** The file that makes a directory of plain Markdown a reference pack. */
export const PACK_FILE = "pack.yaml";
/** The most files a pack may hold; past it the rest are left out, with one warning. */
export const MAX_PACK_FILES = 50_000;
/** The largest reference file read (the same limit as an entry's). */
export const MAX_REFERENCE_BYTES = 256 * 1024;

export const packSchema = z.strictObject({
  kind: z.literal("reference", { message: 'must be "reference" (a folder of plain Markdown files)' }),
  name: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case words joined by hyphens, e.g. team-docs")
    .max(32, "must be at most 32 characters"),
  baseUrl: z
    .url({ message: "must be a URL such as https://git.example.com/team/docs/blob/main/" })
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
    .optional(),
  include: z.array(z.string().min(1)).default(["**/*.md"]),
  exclude: z.array(z.string().min(1)).default([]),
});
export type PackSpec = z.infer<typeof packSchema>;

/** A glob (`*` within a folder, `**` across folders, `?` one character) as a regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      out += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

/** A Markdown file's title (its first heading) and its sections, one per heading. */
export function referenceSections(text: string): { title?: string; sections: Section[]; long: number } {
  const sections: Section[] = [];
  let title: string | undefined;
  let current: { heading: string; lines: string[] } | undefined;
  let fence: string | undefined;
  let long = 0;
  const close = () => {
    if (!current) return;
    const body = current.lines.join("\n").trim();
    if (body.length > SECTION_MAX) long++;
    else if (body) sections.push({ heading: current.heading, text: body, anchor: anchorOf(current.heading) });
  };
  for (const line of text.split(/\r?\n/)) {
    const f = FENCE.exec(line)?.[1];
    if (f && (fence === undefined || f === fence)) fence = fence === undefined ? f : undefined;
    const h = fence === undefined && !f ? HEADING.exec(line) : null;
    if (h) {
      close();
      const heading = (h[2] as string).replace(/[*_`]/g, "").trim();
      title ??= heading;
      current = { heading, lines: [] };
    } else if (current) current.lines.push(line);
  }
  close();
  return { title, sections, long };
}

/** A file's path as an entry id: the pack's name and the path, lower case, joined by hyphens. */
function referenceId(pack: string, path: string): string {
  const slug = `${pack}-${path.replace(/\.md$/i, "")}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= 64) return slug;
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return `${slug.slice(0, 55).replace(/-+$/, "")}-${(h >>> 0).toString(36)}`;
}

function isBinary(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(8192);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** The files of a reference pack that its include and exclude globs select, in path order. */
function selectFiles(dir: string, spec: PackSpec): { files: string[]; over: boolean } {
  const include = spec.include.map(globToRegExp);
  const exclude = spec.exclude.map(globToRegExp);
  const files: string[] = [];
  let over = false;
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      if (over) return;
      if (name.startsWith(".") || name === "node_modules") continue;
      const path = join(at, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(path);
      else if (st?.isFile()) {
        const rel = relative(dir, path).split("\\").join("/");
        if (rel === PACK_FILE || !include.some((g) => g.test(rel)) || exclude.some((g) => g.test(rel))) continue;
        if (files.length >= MAX_PACK_FILES) over = true;
        else files.push(rel);
      }
    }
  };
  walk(dir);
  return { files, over };
}

/**
 * Loads a reference pack: every selected Markdown file with a heading becomes an entry made of
 * passages (one per heading), linking back to `baseUrl` + path + anchor. Files it cannot use (no
 * heading, binary, too large, sections too long) are left out with one warning each, which
 * `dockhand lint` shows without failing.
 */
export function loadReferencePack(dir: string, pack: string, cwd: string): { entries: Entry[]; problems: Problem[] } {
  const specFile = relative(cwd, join(dir, PACK_FILE)) || PACK_FILE;
  let data: unknown;
  try {
    data = parseYaml(readFileSync(join(dir, PACK_FILE), "utf8"));
  } catch (err) {
    return { entries: [], problems: [{ file: specFile, message: `cannot be read: ${(err as Error).message}` }] };
  }
  const parsed = packSchema.safeParse(data ?? {});
  if (!parsed.success) return { entries: [], problems: zodProblems(specFile, parsed.error) };
  const spec = parsed.data;
  const problems: Problem[] = [];
  const warn = (file: string, message: string) => problems.push({ file, message, lintOnly: true, warning: true });
  const { files, over } = selectFiles(dir, spec);
  if (over) warn(specFile, `the pack has more than ${MAX_PACK_FILES} files; only the first ${MAX_PACK_FILES} are used`);
  const entries: Entry[] = [];
  for (const rel of files) {
    const path = join(dir, rel);
    const file = relative(cwd, path) || path;
    const bytes = statSync(path).size;
    if (bytes > MAX_REFERENCE_BYTES) {
      warn(
        file,
        `is ${Math.ceil(bytes / 1024)} KB; a reference file may be at most ${MAX_REFERENCE_BYTES / 1024} KB: left out`,
      );
      continue;
    }
    if (isBinary(path)) {
      warn(file, "is not text: left out");
      continue;
    }
    const text = readFileSync(path, "utf8").replace(/^\ufeff/, "");
    const { title, sections, long } = referenceSections(text);
    if (!title) {
      warn(file, 'has no heading ("# Title"), so it has no passages: left out');
      continue;
    }
    if (long > 0)
      warn(file, `${long} section(s) over ${SECTION_MAX} characters left out: split them under more headings`);
    if (sections.length === 0) continue;
    entries.push({
      id: referenceId(spec.name, rel),
      title: title.slice(0, 100),
      aliases: [],
      tags: [spec.name],
      related: [],
      summary: (sections[0] as Section).text.slice(0, 600),
      commands: [],
      sources: [],
      verified: { date: new Date(statSync(path).mtimeMs).toISOString().slice(0, 10), docker: "-" },
      quiz: [],
      body: sections.map((s) => `## ${s.heading}\n${s.text}`).join("\n\n"),
      sections,
      file,
      pack,
      source: {
        name: spec.name,
        ...(spec.baseUrl
          ? { url: new URL(rel, spec.baseUrl.endsWith("/") ? spec.baseUrl : `${spec.baseUrl}/`).href }
          : {}),
      },
    });
  }
  return { entries, problems };
}
