import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { checkKnowledge } from "./checks.ts";
import { type Problem, zodProblems } from "./problems.ts";
import { loadReferencePack, MAX_PACK_FILES, PACK_FILE } from "./reference.ts";
import { type Entry, frontmatterSchema, type Track, trackSchema } from "./schema.ts";
import { parseSections, SECTION_MAX, type Section } from "./sections.ts";
import { parseYamlFast } from "./simple-yaml.ts";
import type { KnowledgeBase } from "./types.ts";

export type { KnowledgeBase } from "./types.ts";

/** The largest entry or track file a pack may hold. */
export const MAX_FILE_BYTES = 256 * 1024;

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

export { blocking, formatProblem, type Problem } from "./problems.ts";

export interface LoadResult {
  kb: KnowledgeBase;
  problems: Problem[];
}

function yamlProblem(file: string, err: unknown, lineOffset = 0): Problem {
  if (err instanceof YAMLParseError) {
    const where = err.linePos?.[0] ? ` (line ${err.linePos[0].line + lineOffset})` : "";
    return { file, message: `YAML error${where}: ${err.message.split("\n")[0]}` };
  }
  return { file, message: `cannot be read: ${(err as Error).message}` };
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/**
 * How YAML is read: "fast" reads the plain YAML of knowledge files itself and hands anything else
 * to the full parser; "full" always uses the full parser (`dockhand lint`, so that it judges
 * every file by the YAML specification alone).
 */
export type YamlMode = "fast" | "full";

const yamlReader = (mode: YamlMode) => (mode === "full" ? parseYaml : parseYamlFast);

/** Parses one entry file; returns the entry or the problems that stop it loading. */
export function parseEntryFile(
  text: string,
  file: string,
  pack: string,
  yaml: YamlMode = "fast",
): { entry?: Entry; problems: Problem[] } {
  const match = FRONTMATTER.exec(text.replace(/^\ufeff/, ""));
  if (!match) {
    return { problems: [{ file, message: "must start with YAML frontmatter between --- lines" }] };
  }
  let data: unknown;
  try {
    data = yamlReader(yaml)(match[1] ?? "");
  } catch (err) {
    // The frontmatter starts on the line after the opening ---.
    return { problems: [yamlProblem(file, err, 1)] };
  }
  const parsed = frontmatterSchema.safeParse(data);
  if (!parsed.success) return { problems: zodProblems(file, parsed.error) };
  const stem = basename(file, ".md");
  const problems: Problem[] = [];
  if (parsed.data.id !== stem) {
    problems.push({ file, field: "id", message: `is "${parsed.data.id}" but must equal the file name "${stem}"` });
  }
  const body = (match[2] ?? "").trim();
  const { sections, problems: shape } = sectionsOf(body, file);
  problems.push(...shape);
  return { entry: { ...parsed.data, body, sections, file, pack }, problems };
}

/**
 * The body's sections, and what keeps them from being passages: each must sit under a `##`
 * heading (shown with it as the answer) and fit one chat message.
 */
function sectionsOf(body: string, file: string): { sections: Section[]; problems: Problem[] } {
  const { sections, preamble, otherHeadings } = parseSections(body);
  const problems: Problem[] = [];
  const at = (message: string) => problems.push({ file, field: "body", message });
  if (sections.length === 0) {
    at('needs at least one section: a "## heading" phrased as the question it answers, then the answer');
    return { sections, problems };
  }
  if (preamble) at(`has text before its first "## " heading; put it under a heading that says what it answers`);
  for (const h of otherHeadings)
    at(`has the heading "${h}"; sections use "## " headings only (use bold or a list inside one)`);
  for (const s of sections) {
    if (!s.text) at(`section "${s.heading}" is empty`);
    if (s.text.length > SECTION_MAX) {
      at(
        `section "${s.heading}" is ${s.text.length} characters; a section may have at most ${SECTION_MAX}: split it into two questions`,
      );
    }
  }
  return { sections, problems };
}

export function parseTrackFile(
  text: string,
  file: string,
  pack: string,
  yaml: YamlMode = "fast",
): { track?: Track; problems: Problem[] } {
  let data: unknown;
  try {
    data = yamlReader(yaml)(text.replace(/^\ufeff/, ""));
  } catch (err) {
    return { problems: [yamlProblem(file, err)] };
  }
  const parsed = trackSchema.safeParse(data);
  if (!parsed.success) return { problems: zodProblems(file, parsed.error) };
  const stem = basename(file).replace(/\.ya?ml$/, "");
  const problems: Problem[] = [];
  if (parsed.data.id !== stem) {
    problems.push({ file, field: "id", message: `is "${parsed.data.id}" but must equal the file name "${stem}"` });
  }
  return { track: { ...parsed.data, file, pack }, problems };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Loads packs in order. A pack is a directory of `<id>.md` entries and `*.yaml` tracks (also in a
 * `tracks/` subdirectory). A later pack may add entries and tracks; it may replace an earlier one
 * with the same id only when that entry or track says `overrides: true`.
 */
export function loadKnowledge(dirs: string[], cwd = process.cwd(), yaml: YamlMode = "fast"): LoadResult {
  const problems: Problem[] = [];
  const byId = new Map<string, Entry>();
  const tracks = new Map<string, Track>();

  for (const dir of dirs) {
    const pack = relative(cwd, dir) || dir;
    let files: string[];
    if (statSync(join(dir, PACK_FILE), { throwIfNoEntry: false })?.isFile()) {
      const reference = loadReferencePack(dir, pack, cwd);
      problems.push(...reference.problems);
      for (const entry of reference.entries) layer(byId, entry, problems, "entry");
      continue;
    }
    try {
      if (!statSync(dir).isDirectory()) throw new Error("not a directory");
      files = listFiles(dir);
      const sub = join(dir, "tracks");
      if (statSync(sub, { throwIfNoEntry: false })?.isDirectory()) files.push(...listFiles(sub));
    } catch (err) {
      problems.push({ file: pack, message: `cannot read this knowledge directory: ${(err as Error).message}` });
      continue;
    }
    if (files.length > MAX_PACK_FILES) {
      problems.push({
        file: pack,
        message: `has ${files.length} files; a pack may have at most ${MAX_PACK_FILES}: split it into several packs`,
      });
      files = files.slice(0, MAX_PACK_FILES);
    }
    for (const path of files) {
      const file = relative(cwd, path) || path;
      const isEntry = path.endsWith(".md") && !/^[A-Z]/.test(basename(path));
      const isTrack = /\.ya?ml$/.test(path);
      if (!isEntry && !isTrack) continue;
      let text: string;
      try {
        // Sized before it is read: one huge file must not cost seconds and gigabytes to find out.
        const bytes = statSync(path).size;
        if (bytes > MAX_FILE_BYTES) {
          problems.push({
            file,
            message: `is ${formatBytes(bytes)}; a knowledge file may be at most ${formatBytes(MAX_FILE_BYTES)}: split it into several entries`,
          });
          continue;
        }
        text = readFileSync(path, "utf8");
      } catch (err) {
        problems.push({ file, message: `cannot be read: ${(err as Error).message}` });
        continue;
      }
      if (isEntry) {
        const { entry, problems: found } = parseEntryFile(text, file, pack, yaml);
        problems.push(...found);
        if (entry) layer(byId, entry, problems, "entry");
      } else {
        const { track, problems: found } = parseTrackFile(text, file, pack, yaml);
        problems.push(...found);
        if (track) layer(tracks, track, problems, "track");
      }
    }
  }
  const kb: KnowledgeBase = {
    entries: [...byId.values()],
    byId,
    tracks: [...tracks.values()],
    packs: dirs,
  };
  problems.push(...checkKnowledge(kb));
  return { kb, problems };
}

function layer<T extends { id: string; file: string; pack: string; overrides?: boolean }>(
  into: Map<string, T>,
  item: T,
  problems: Problem[],
  kind: string,
): void {
  const earlier = into.get(item.id);
  if (earlier) {
    if (earlier.pack === item.pack) {
      problems.push({ file: item.file, field: "id", message: `"${item.id}" is already used by ${earlier.file}` });
      return;
    }
    if (!item.overrides) {
      problems.push({
        file: item.file,
        field: "id",
        message: `${kind} "${item.id}" already exists in ${earlier.file}; add "overrides: true" to replace it`,
      });
      return;
    }
  } else if (item.overrides) {
    problems.push({
      file: item.file,
      field: "overrides",
      message: `is true but no earlier pack has ${kind === "entry" ? "an" : "a"} ${kind} "${item.id}" to replace`,
    });
  }
  into.set(item.id, item);
}
