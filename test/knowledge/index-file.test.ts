import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenOptions, openKnowledge } from "../../src/core/knowledge/open.ts";
import type { SearchIndex } from "../../src/core/knowledge/search.ts";
import { builtInPacks } from "../../src/paths.ts";
import { toJson } from "../../src/tools/ask.ts";

/**
 * The saved index answers exactly as a freshly built one, and a saved file that does not fit the
 * packs (changed, damaged, cut short, another version) is rebuilt with one log line.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-index-"));
const team = path.join(dir, "team");
const indexPath = path.join(dir, "cache", "knowledge-index.bin");
fs.cpSync(path.join(import.meta.dirname, "../fixtures/packs/extra"), team, { recursive: true });
const dirs = [...builtInPacks, team];
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(extra: Partial<OpenOptions> = {}) {
  const lines: string[] = [];
  const opened = openKnowledge(dirs, { indexPath, version: "1.0.0", save: true, log: (m) => lines.push(m), ...extra });
  return { ...opened, lines };
}

const questions = [
  "volumes vs bind mounts",
  "how do i publish a port",
  "dokcer ps -a",
  "container keeps restarting",
  "our registry mirror",
  "what is docker",
  "kubectl pod stuck pending",
  "how do I remove a volume I no longer need",
];
const answers = (search: SearchIndex | undefined) =>
  questions.map((q) => ({ ...toJson((search as SearchIndex).search(q), 0), tookMs: 0 }));

let built: ReturnType<typeof open>;
beforeAll(() => {
  built = open();
}, 60_000);

describe("the saved index", () => {
  it("is written on the first start and used on the next, with the same answers and entries", () => {
    expect(built.source).toBe("built");
    expect(built.lines).toEqual([expect.stringContaining("no saved index yet")]);
    expect(fs.existsSync(indexPath)).toBe(true);
    const saved = open();
    expect(saved.source).toBe("saved");
    expect(saved.lines).toEqual([]);
    expect(answers(saved.search)).toEqual(answers(built.search));
    const entry = saved.kb.byId.get("volumes");
    const original = built.kb.byId.get("volumes");
    expect(entry?.sections).toEqual(original?.sections);
    expect(entry?.quiz).toEqual(original?.quiz);
    expect(entry?.body).toBe(original?.body);
    expect(entry?.aliases).toEqual(original?.aliases);
    expect(entry?.related).toEqual(original?.related);
    expect(saved.kb.entries.map((e) => [e.id, e.title, e.aliases, e.related, e.tags])).toEqual(
      built.kb.entries.map((e) => [e.id, e.title, e.aliases, e.related, e.tags]),
    );
    expect(saved.kb.tracks).toEqual(built.kb.tracks);
  }, 60_000);

  it("is rebuilt when a pack's file changes", () => {
    const file = path.join(team, "team-registry-mirror.md");
    fs.appendFileSync(file, "\nOur mirror also caches Helm charts.\n");
    const reopened = open();
    expect(reopened.source).toBe("built");
    expect(reopened.lines).toEqual([expect.stringContaining("the packs changed")]);
    expect(open().source).toBe("saved");
  }, 60_000);

  it("is rebuilt when it was written by another version", () => {
    const other = open({ version: "2.0.0" });
    expect(other.source).toBe("built");
    expect(other.lines).toEqual([expect.stringContaining("another version (1.0.0")]);
  }, 60_000);

  it.each([
    [
      "a flipped byte",
      (b: Buffer) =>
        Buffer.concat([
          b.subarray(0, b.length >> 1),
          Buffer.from([(b[b.length >> 1] as number) ^ 0xff]),
          b.subarray((b.length >> 1) + 1),
        ]),
      "corrupt",
    ],
    ["a file cut short", (b: Buffer) => b.subarray(0, Math.floor(b.length * 0.7)), "truncated"],
    ["a file cut inside its header", (b: Buffer) => b.subarray(0, 40), "truncated"],
    ["something else entirely", () => Buffer.from("not an index at all, but long enough to look"), "not an index file"],
  ])(
    "is rebuilt when damaged: %s",
    (_, damage, why) => {
      open();
      fs.writeFileSync(indexPath, damage(fs.readFileSync(indexPath)));
      const reopened = open();
      expect(reopened.source).toBe("built");
      expect(reopened.lines).toEqual([expect.stringContaining(why)]);
      const again = open();
      expect(again.source).toBe("saved");
      expect(answers(again.search)).toEqual(answers(reopened.search));
    },
    60_000,
  );

  it("refuses an entry whose saved text is damaged, and is rebuilt at the next start", () => {
    open();
    const bytes = fs.readFileSync(indexPath);
    // The entries' text is kept as JSON near the end of the file: damage one entry's body there.
    const body = (built.kb.byId.get("volumes")?.body ?? "").slice(0, 40);
    const at = bytes.lastIndexOf(Buffer.from(JSON.stringify(body).slice(1, -1), "utf8"));
    expect(at).toBeGreaterThan(bytes.length / 2);
    bytes[at + 5] = (bytes[at + 5] as number) ^ 0x20;
    fs.writeFileSync(indexPath, bytes);
    const damaged = open();
    expect(damaged.source).toBe("saved");
    expect(() => damaged.kb.byId.get("volumes")?.body).toThrow(/damaged \(entry volumes\)/);
    expect(fs.existsSync(indexPath)).toBe(false);
    const reopened = open();
    expect(reopened.source).toBe("built");
    expect(reopened.lines).toEqual([expect.stringContaining("no saved index yet")]);
    expect(open().kb.byId.get("volumes")?.body).toBe(built.kb.byId.get("volumes")?.body);
  }, 60_000);

  it("is only read, never written, when saving is off", () => {
    fs.rmSync(indexPath);
    const reader = open({ save: false });
    expect(reader.source).toBe("built");
    expect(fs.existsSync(indexPath)).toBe(false);
  }, 60_000);
});
