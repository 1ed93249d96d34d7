import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerReply } from "../../src/core/answers.ts";
import { blocking, type KnowledgeBase, loadKnowledge, type Problem } from "../../src/core/knowledge/loader.ts";
import { globToRegExp, MAX_REFERENCE_BYTES } from "../../src/core/knowledge/reference.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { builtInPacks } from "../../src/paths.ts";
import { toJson } from "../../src/tools/ask.ts";
import { writeDocsTree } from "../../src/tools/docs-tree.ts";
import { freePort, runDockhand } from "../ops/dockhand-process.ts";

/** A team's docs folder (a few hundred plain Markdown files and a pack.yaml) as a pack. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-reference-"));
const docs = path.join(dir, "docs");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let kb: KnowledgeBase;
let problems: Problem[];
let index: SearchIndex;
beforeAll(() => {
  writeDocsTree(loadKnowledge(builtInPacks).kb, docs, 300);
  const runbooks = path.join(docs, "runbooks");
  fs.writeFileSync(path.join(runbooks, "prose.md"), "Just some notes, no heading at all.\n");
  fs.writeFileSync(path.join(runbooks, "logo.md"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
  // Sparse: over the limit on paper; it must be refused by its size, unread.
  fs.writeFileSync(path.join(runbooks, "dump.md"), "# A dump\n");
  fs.truncateSync(path.join(runbooks, "dump.md"), 5 * 1024 * 1024);
  fs.writeFileSync(
    path.join(runbooks, "long.md"),
    `# Long runbook\n\n## Short part\n\nRestart the pager bridge.\n\n## Endless part\n\n${"word ".repeat(400)}\n`,
  );
  ({ kb, problems } = loadKnowledge([...builtInPacks, docs], dir));
  index = new SearchIndex(kb);
}, 60_000);

describe("a reference pack", () => {
  it("makes an entry of each usable file, titled by its first heading, with a passage per heading", () => {
    expect(blocking(problems)).toEqual([]);
    const refs = kb.entries.filter((e) => e.source);
    // 300 files, one in six under drafts/ (excluded), plus prose.md left out and long.md kept.
    expect(refs).toHaveLength(250 + 1);
    const e = kb.byId.get("team-docs-runbooks-docker-cp-42") ?? refs.find((r) => r.file.endsWith("-42.md"));
    expect(e?.title).toMatch(/in service 42$/);
    expect(e?.sections.map((s) => s.heading)).toContain("Rollback for service 42");
    expect(e?.quiz).toEqual([]);
    expect(refs.some((r) => r.file.includes("/drafts/"))).toBe(false);
  });

  it("leaves out what it cannot use, with one warning naming each file and the limit", () => {
    const warnings = problems.filter((p) => p.warning).map((p) => `${p.file}: ${p.message}`);
    expect(warnings).toEqual([
      `docs/runbooks/dump.md: is 5120 KB; a reference file may be at most ${MAX_REFERENCE_BYTES / 1024} KB: left out`,
      "docs/runbooks/logo.md: is not text: left out",
      "docs/runbooks/long.md: 1 section(s) over 1200 characters left out: split them under more headings",
      'docs/runbooks/prose.md: has no heading ("# Title"), so it has no passages: left out',
    ]);
    expect(kb.entries.find((e) => e.file.endsWith("long.md"))?.sections.map((s) => s.heading)).toEqual(["Short part"]);
  });

  it("answers from a section, saying where it comes from and linking to the section", () => {
    const r = index.search("rollback for service 42");
    const top = r.hits[0];
    expect(top?.passage?.section.heading).toBe("Rollback for service 42");
    const json = toJson(r, 0).results[0];
    expect(json?.source).toEqual({
      pack: "team-docs",
      link: expect.stringMatching(
        /^https:\/\/git\.example\.com\/team\/docs\/blob\/main\/[a-z/]+\/[a-z0-9-]+-42\.md#rollback-for-service-42$/,
      ),
    });
    const reply = answerReply(kb, r, { visibility: "channel" });
    expect(reply?.text).toContain("deploy rollback svc-42");
    expect(reply?.context).toContain(`Source: team-docs · ${json?.source?.link}`);
  });

  it("leaves the built-in pack's answers alone", () => {
    expect(index.search("volumes vs bind mounts").hits[0]?.entry.id).toBe("volumes-vs-bind-mounts");
    expect(index.search("how do i publish a port").hits[0]?.entry.source).toBeUndefined();
  });

  it("refuses a pack.yaml it cannot use, naming the file and the field", () => {
    const bad = path.join(dir, "bad");
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, "pack.yaml"), "kind: wiki\nname: Team Docs\nbaseUrl: javascript:alert(1)\n");
    const found = blocking(loadKnowledge([bad], dir).problems).map((p) => `${p.file}: ${p.field}`);
    expect(found).toEqual(["bad/pack.yaml: kind", "bad/pack.yaml: name", "bad/pack.yaml: baseUrl"]);
  });

  it("selects files with include and exclude globs", () => {
    expect(globToRegExp("**/*.md").test("a/b/c.md")).toBe(true);
    expect(globToRegExp("**/*.md").test("c.md")).toBe(true);
    expect(globToRegExp("drafts/**").test("drafts/x/y.md")).toBe(true);
    expect(globToRegExp("docs/*.md").test("docs/x/y.md")).toBe(false);
    expect(globToRegExp("a?.md").test("ab.md")).toBe(true);
  });

  it("passes `dockhand lint` with its warnings shown, and answers through `dockhand ask`", async () => {
    const lint = await runDockhand(["lint", docs], {}, { cwd: dir });
    expect(lint.code).toBe(0);
    expect(lint.stderr).toContain("warning: docs/runbooks/prose.md: has no heading");
    const ask = await runDockhand(
      ["ask", "--knowledge", docs, "rollback for service 42"],
      { DOCKHAND_DB_PATH: path.join(dir, "data", "d.db"), PORT: String(await freePort()) },
      { cwd: dir },
    );
    expect(ask.code).toBe(0);
    expect(ask.stdout).toMatch(/Source: team-docs · https:\/\/git\.example\.com\/\S+#rollback-for-service-42/);
  }, 60_000);
});
