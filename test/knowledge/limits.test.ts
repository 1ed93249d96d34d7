import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadKnowledge, MAX_FILE_BYTES } from "../../src/core/knowledge/loader.ts";
import { MAX_PACK_FILES } from "../../src/core/knowledge/reference.ts";
import { freePort, runDockhand } from "../ops/dockhand-process.ts";

/**
 * A knowledge file far larger than any entry (a pasted log, a generated dump) must be refused by
 * its size, before it is read: reading a 50 MB entry took seconds and gigabytes.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-limits-"));
const pack = path.join(dir, "pack");
fs.mkdirSync(pack);
const huge = path.join(pack, "huge-entry.md");
// Sparse: 50 MB on paper, nothing on disk; the loader must never read it.
fs.writeFileSync(huge, "---\nid: huge-entry\n---\n");
fs.truncateSync(huge, 50 * 1024 * 1024);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("knowledge files over the size limit", () => {
  it("are a problem naming the file, its size and the limit, found without reading the file", () => {
    const started = process.memoryUsage().rss;
    const { problems } = loadKnowledge([pack], dir);
    expect(problems).toEqual([
      {
        file: "pack/huge-entry.md",
        message: `is 50.0 MB; a knowledge file may be at most ${MAX_FILE_BYTES / 1024} KB: split it into several entries`,
      },
    ]);
    expect(process.memoryUsage().rss - started).toBeLessThan(40 * 1024 * 1024);
  });

  it("make `dockhand lint` fail and `dockhand start` refuse to start, each with that message", async () => {
    const lint = await runDockhand(["lint", pack], {}, { cwd: dir });
    expect(lint.code).toBe(1);
    expect(lint.stderr).toContain("huge-entry.md: is 50.0 MB; a knowledge file may be at most 256 KB");
    const start = await runDockhand(
      ["start"],
      { DOCKHAND_KNOWLEDGE: pack, PORT: String(await freePort()), DOCKHAND_DB_PATH: path.join(dir, "d.db") },
      { cwd: dir },
    );
    expect(start.code).toBe(2);
    expect(start.stderr).toContain("huge-entry.md: is 50.0 MB");
    expect(start.stderr).not.toMatch(/\n\s+at /);
  }, 40_000);
});

describe("packs over the file limit", () => {
  const many = (name: string, ext: string, extra?: (dir: string) => void) => {
    const at = path.join(dir, name);
    fs.mkdirSync(at, { recursive: true });
    for (let i = 0; i <= MAX_PACK_FILES; i++) fs.writeFileSync(path.join(at, `f${i}.${ext}`), "");
    extra?.(at);
    return at;
  };

  it("make an entry pack a problem naming the pack, its count and the limit", () => {
    const at = many("crowded", "txt");
    const { problems } = loadKnowledge([at], dir);
    expect(problems).toEqual([
      {
        file: "crowded",
        message: `has ${MAX_PACK_FILES + 1} files; a pack may have at most ${MAX_PACK_FILES}: split it into several packs`,
      },
    ]);
  }, 120_000);

  it("leave a reference pack's files past the limit out, with one warning naming pack.yaml", () => {
    const at = many("crowded-docs", "txt", (d) =>
      fs.writeFileSync(path.join(d, "pack.yaml"), 'kind: reference\nname: crowded\ninclude: ["**/*.txt"]\n'),
    );
    const { problems } = loadKnowledge([at], dir);
    const notes = problems.filter((p) => p.file.endsWith("pack.yaml"));
    expect(notes).toEqual([
      {
        file: "crowded-docs/pack.yaml",
        message: `the pack has more than ${MAX_PACK_FILES} files; only the first ${MAX_PACK_FILES} are used`,
        lintOnly: true,
        warning: true,
      },
    ]);
    // Every other file is empty: left out for want of a heading, one warning each.
    expect(problems).toHaveLength(MAX_PACK_FILES + 1);
  }, 120_000);
});
