import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import type { IndexData } from "./index-data.ts";
import type { KnowledgeBase } from "./loader.ts";
import { type Bm25Data, Vocabulary } from "./postings.ts";
import type { Entry, Track } from "./schema.ts";
import { parseSections } from "./sections.ts";
import { type PackedStrings, packStrings, SortedKeys, sortedPairs, unpackString } from "./sorted-keys.ts";

/**
 * The saved search index: one file holding the knowledge base and its index, so that a restart
 * maps arrays instead of parsing thousands of files. Layout: an 8-byte magic, the header's length
 * (4 bytes), the header (JSON), then typed arrays and text each aligned to 8 bytes, and a SHA-1 of
 * everything before the entries' text (the last part). The text, most of the file, is not read at
 * start: an entry's long fields (body, sections, summary, quiz...) are read from the file when
 * first needed and checked then against that entry's CRC-32, kept among the arrays.
 */
const MAGIC = "DHINDEX1";
/** Bumped whenever the layout or what the arrays mean changes. */
export const INDEX_FORMAT = 4;

/** Entry fields read for every entry at start-up (autocomplete, comparisons, exact lookups). */
const EAGER = ["id", "title", "tags", "file", "pack", "overrides", "compare"] as const;
/**
 * Short fields that nothing reads for every entry at start: kept per entry as JSON among the arrays
 * (out of the header, which JSON.parse would otherwise have to read whole) and decoded when first read.
 */
const SHELVED = ["aliases", "related"] as const;
/** The other fields, read from the file when first needed. */
const LAZY = ["summary", "commands", "sources", "verified", "quiz", "body", "sections", "source"] as const;

type Part = Uint32Array | Uint16Array | Float64Array | Buffer;
interface Header {
  format: number;
  version: string;
  key: string;
  parts: Record<string, [offset: number, length: number, kind: "u16" | "u32" | "f64" | "utf8"]>;
  bm25: { entries: [number, number]; passages: [number, number] };
  entries: Pick<Entry, (typeof EAGER)[number]>[];
  tracks: Track[];
  packs: string[];
}

function bm25Parts(prefix: string, d: Bm25Data): [string, Part][] {
  return [
    [`${prefix}.offsets`, d.offsets],
    [`${prefix}.docs`, d.docs],
    [`${prefix}.freqs`, d.freqs],
    [`${prefix}.lengths`, d.lengths],
    [`${prefix}.average`, d.average],
  ];
}

/** Writes the index to `path` through a temporary file and a rename, so readers never see half a file. */
export function writeIndexFile(
  path: string,
  kb: KnowledgeBase,
  data: IndexData,
  stamp: { key: string; version: string },
): void {
  const blobs: Buffer[] = [];
  const blobOffsets = new Uint32Array(kb.entries.length + 1);
  const blobChecks = new Uint32Array(kb.entries.length);
  let at = 0;
  kb.entries.forEach((e, i) => {
    const rest: Record<string, unknown> = {};
    for (const k of LAZY) {
      // An entry's sections are its body's: split again when read, rather than stored twice.
      if (k === "sections" && !e.source) continue;
      rest[k] = e[k];
    }
    const blob = Buffer.from(JSON.stringify(rest), "utf8");
    blobs.push(blob);
    blobChecks[i] = crc32(blob);
    at += blob.length;
    blobOffsets[i + 1] = at;
  });
  const position = new Map(kb.entries.map((e, i) => [e.id, i]));
  // Sorted by their bytes, so that a loaded index searches them where they lie (`SortedKeys`).
  const compounds = sortedPairs(data.compounds);
  const exact = sortedPairs(data.exact);
  const compoundWords = packStrings(compounds.values.map((words) => words.join(" ")));
  const text = (lines: string[]) => Buffer.from(lines.join("\n"), "utf8");
  const shelved = packStrings(kb.entries.map((e) => JSON.stringify(SHELVED.map((k) => e[k]))));
  const parts: [string, Part][] = [
    ["vocab", text(data.vocab.terms)],
    ["shortWords", text(data.shortTerms.map(([w]) => w))],
    ["shortCounts", Uint32Array.from(data.shortTerms, ([, n]) => n)],
    ["compoundKeys", compounds.keys.text],
    ["compoundStarts", compounds.keys.starts],
    ["compoundWords", compoundWords.text],
    ["compoundWordStarts", compoundWords.starts],
    ["exactKeys", exact.keys.text],
    ["exactStarts", exact.keys.starts],
    ["exactEntries", Uint32Array.from(exact.values, (id) => position.get(id) ?? 0)],
    ["df", data.df],
    ...bm25Parts("entries", data.entries),
    ...bm25Parts("passages", data.passages),
    ["passageOf", data.passageOf],
    ["shelved", shelved.text],
    ["shelvedStarts", shelved.starts],
    ["blobOffsets", blobOffsets],
    ["blobChecks", blobChecks],
    // Last, so that the digest before it covers everything read at start.
    ["blobs", Buffer.concat(blobs)],
  ];
  const header: Header = {
    format: INDEX_FORMAT,
    ...stamp,
    parts: {},
    bm25: {
      entries: [data.entries.fields, data.entries.docCount],
      passages: [data.passages.fields, data.passages.docCount],
    },
    entries: kb.entries.map((e) => Object.fromEntries(EAGER.map((k) => [k, e[k]])) as Header["entries"][number]),
    tracks: kb.tracks,
    packs: kb.packs,
  };
  let offset = 0;
  for (const [name, part] of parts) {
    const kind =
      part instanceof Float64Array
        ? "f64"
        : part instanceof Uint32Array
          ? "u32"
          : part instanceof Uint16Array
            ? "u16"
            : "utf8";
    header.parts[name] = [offset, kind === "utf8" ? part.byteLength : part.length, kind];
    offset += align(part.byteLength);
  }
  const head = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(align(12 + head.length));
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(head.length, 8);
  head.copy(prefix, 12);

  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    const hash = createHash("sha1");
    const put = (b: Uint8Array, hashed = true) => {
      if (hashed) hash.update(b);
      for (let done = 0; done < b.length; ) done += writeSync(fd, b, done);
    };
    put(prefix);
    for (const [name, part] of parts) {
      const hashed = name !== "blobs";
      put(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), hashed);
      const pad = align(part.byteLength) - part.byteLength;
      if (pad > 0) put(new Uint8Array(pad), hashed);
    }
    const digest = hash.digest();
    for (let done = 0; done < digest.length; ) done += writeSync(fd, digest, done);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {}
    rmSync(tmp, { force: true });
    throw err;
  }
}

const align = (n: number) => Math.ceil(n / 8) * 8;

/** A saved index that cannot be used, and why (for the one log line that says it is rebuilt). */
export class StaleIndex extends Error {}

/**
 * Reads an index written by `writeIndexFile` for the same `key` and `version`. Throws `StaleIndex`
 * when the file is missing, truncated, corrupt, or from another version or other packs.
 */
export function readIndexFile(
  path: string,
  stamp: { key: string; version: string },
): { kb: KnowledgeBase; data: IndexData } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new StaleIndex(
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "no saved index yet"
        : `cannot read it: ${(err as Error).message}`,
    );
  }
  try {
    const opened = readOpen(fd, path, stamp);
    // The entries' long fields are read from the file when first needed; the descriptor stays
    // open (a rebuild renames a new file into place, this one stays readable) until the
    // knowledge base is dropped.
    descriptors.register(opened.kb, fd);
    return opened;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

const descriptors = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {}
});

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new StaleIndex("truncated");
    done += n;
  }
  return buf;
}

/** An entry's text in the saved index does not match its checksum: the file is damaged. */
export class DamagedIndex extends Error {}

/** Removes a damaged index file, if `path` still names it, so that the next start rebuilds it. */
function damaged(path: string, fd: number): void {
  try {
    const open = fstatSync(fd);
    const named = statSync(path, { throwIfNoEntry: false });
    if (named && named.ino === open.ino && named.dev === open.dev) rmSync(path, { force: true });
  } catch {
    // A read-only copy (the image's) stays; the entries read from it keep failing loudly.
  }
}

function readOpen(
  fd: number,
  path: string,
  stamp: { key: string; version: string },
): { kb: KnowledgeBase; data: IndexData } {
  const size = fstatSync(fd).size;
  if (size < 32) throw new StaleIndex("truncated");
  const lead = readAt(fd, 12, 0);
  if (lead.toString("latin1", 0, 8) !== MAGIC) throw new StaleIndex("not an index file");
  const headLength = lead.readUInt32LE(8);
  if (12 + headLength + 20 > size) throw new StaleIndex("truncated");
  const headBytes = readAt(fd, headLength, 12);
  let header: Header;
  try {
    header = JSON.parse(headBytes.toString("utf8")) as Header;
  } catch {
    throw new StaleIndex("its header is damaged");
  }
  if (header.format !== INDEX_FORMAT || header.version !== stamp.version)
    throw new StaleIndex(`written by another version (${header.version}, format ${header.format})`);
  if (header.key !== stamp.key) throw new StaleIndex("the packs changed since it was written");
  const start = align(12 + headLength);
  const [blobsAt, blobsLength] = header.parts.blobs ?? [0, 0];
  if (start + blobsAt + align(blobsLength) + 20 !== size) throw new StaleIndex("truncated or overlong");
  // Everything but the entries' text is read into memory and checked now; each entry's text is
  // checked against its CRC-32 when it is first read.
  const arrays = readAt(fd, blobsAt, start);
  const hash = createHash("sha1")
    .update(lead)
    .update(headBytes)
    .update(new Uint8Array(start - 12 - headLength))
    .update(arrays);
  if (!hash.digest().equals(readAt(fd, 20, size - 20))) throw new StaleIndex("corrupt (checksum mismatch)");
  const part = (name: string) => {
    const spec = header.parts[name];
    if (!spec) throw new StaleIndex(`it lacks ${name}`);
    const [offset, length, kind] = spec;
    if (kind === "u32") return new Uint32Array(arrays.buffer, arrays.byteOffset + offset, length);
    if (kind === "u16") return new Uint16Array(arrays.buffer, arrays.byteOffset + offset, length);
    if (kind === "f64") return new Float64Array(arrays.buffer, arrays.byteOffset + offset, length);
    return arrays.subarray(offset, offset + length);
  };
  const bm25 = (prefix: string, [fields, docCount]: [number, number]): Bm25Data => ({
    fields,
    docCount,
    offsets: part(`${prefix}.offsets`) as Uint32Array,
    docs: part(`${prefix}.docs`) as Uint32Array,
    freqs: part(`${prefix}.freqs`) as Uint16Array | Uint32Array,
    lengths: part(`${prefix}.lengths`) as Uint32Array,
    average: part(`${prefix}.average`) as Float64Array,
  });
  const lines = (name: string) => {
    const t = (part(name) as Buffer).toString("utf8");
    return t ? t.split("\n") : [];
  };
  const shortCounts = part("shortCounts") as Uint32Array;
  const exactEntries = part("exactEntries") as Uint32Array;
  const packed = (text: string, starts: string): PackedStrings => ({
    text: part(text) as Buffer,
    starts: part(starts) as Uint32Array,
  });
  const compoundWords = packed("compoundWords", "compoundWordStarts");
  const data: IndexData = {
    vocab: new Vocabulary(lines("vocab")),
    df: part("df") as Uint32Array,
    entries: bm25("entries", header.bm25.entries),
    passages: bm25("passages", header.bm25.passages),
    passageOf: part("passageOf") as Uint32Array,
    shortTerms: lines("shortWords").map((w, i) => [w, shortCounts[i] as number]),
    compounds: new SortedKeys(packed("compoundKeys", "compoundStarts"), (i) =>
      unpackString(compoundWords, i).split(" "),
    ),
    exact: new SortedKeys(
      packed("exactKeys", "exactStarts"),
      (i) => header.entries[exactEntries[i] as number]?.id as string,
    ),
  };
  const offsets = part("blobOffsets") as Uint32Array;
  const checks = part("blobChecks") as Uint32Array;
  const blobStart = start + blobsAt;
  const shelved = packed("shelved", "shelvedStarts");
  const entries: Entry[] = header.entries.map(
    (meta, i) =>
      new SavedEntry(
        meta,
        () => unpackString(shelved, i),
        () => {
          const from = offsets[i] as number;
          const blob = readAt(fd, (offsets[i + 1] as number) - from, blobStart + from);
          if (crc32(blob) !== checks[i]) {
            damaged(path, fd);
            throw new DamagedIndex(
              `the saved index ${path} is damaged (entry ${meta.id}); it is rebuilt at the next start`,
            );
          }
          return blob.toString("utf8");
        },
      ) as unknown as Entry,
  );
  const kb: KnowledgeBase = {
    entries,
    byId: new Map(entries.map((e) => [e.id, e])),
    tracks: header.tracks,
    packs: header.packs,
  };
  return { kb, data };
}

const LOAD = Symbol("load");
const FULL = Symbol("full");
const SHELF = Symbol("shelf");
const SHELF_VALUES = Symbol("shelfValues");

/**
 * An entry whose long fields (`LAZY`) are decoded from the saved file the first time one is read:
 * getters on the prototype, so ten thousand of them stay small, plain objects.
 */
class SavedEntry {
  [LOAD]: () => string;
  [FULL]?: Record<string, unknown>;
  [SHELF]: () => string;
  [SHELF_VALUES]?: unknown[];

  constructor(meta: object, shelf: () => string, load: () => string) {
    Object.assign(this, meta);
    this[SHELF] = shelf;
    this[LOAD] = load;
  }
}

SHELVED.forEach((k, i) => {
  Object.defineProperty(SavedEntry.prototype, k, {
    get(this: SavedEntry) {
      this[SHELF_VALUES] ??= JSON.parse(this[SHELF]()) as unknown[];
      return this[SHELF_VALUES][i];
    },
    enumerable: true,
  });
});

function rest(e: SavedEntry): Record<string, unknown> {
  let full = e[FULL];
  if (!full) {
    full = JSON.parse(e[LOAD]()) as Record<string, unknown>;
    if (!("sections" in full) && typeof full.body === "string") full.sections = parseSections(full.body).sections;
    e[FULL] = full;
  }
  return full;
}

for (const k of LAZY) {
  Object.defineProperty(SavedEntry.prototype, k, {
    get(this: SavedEntry) {
      return rest(this)[k];
    },
    enumerable: true,
  });
}
