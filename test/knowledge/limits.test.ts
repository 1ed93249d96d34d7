import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadKnowledge, MAX_FILE_BYTES } from "../../src/core/knowledge/loader.ts";
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
