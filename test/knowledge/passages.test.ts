import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { answerReply } from "../../src/core/answers/render.ts";
import { loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { builtInPacks } from "../../src/paths.ts";
import { toJson } from "../../src/tools/ask.ts";
import { replyText } from "../../src/tools/eval.ts";

/**
 * The passage rule: a section answers when it matches the question clearly better than its
 * entry's summary; the summary answers a question that only names the entry; a close runner-up
 * is named "Also see". On the built-in pack, as people ask.
 */
const index = new SearchIndex(loadKnowledge(builtInPacks).kb);
const search = (q: string) => index.search(q, { explain: true });

describe("passages on the built-in pack", () => {
  it("a how-to question gets the section that says how, not the entry's overview", () => {
    const r = search("make compose wait until postgres is ready");
    expect(r).toMatchObject({ kind: "answer", confident: true, tier: "ranked" });
    expect(r.hits[0]?.entry.id).toBe("compose-startup-order");
    expect(r.hits[0]?.passage?.section.heading).toBe("Why depends_on does not wait for the database to be ready");
    expect(r.explained).toMatch(/answered from the section/);
    const reply = answerReply(index.kb, r, { visibility: "channel" });
    expect(reply?.header).toBe(r.hits[0]?.entry.title);
    expect(reply?.text).toMatch(/^\*\*Why depends_on does not wait for the database to be ready\*\*\n\n/);
    expect(replyText(reply as never)).toContain("service_healthy");
    expect(reply?.buttons?.map((b) => b.label)).toContain("Full entry");
  });

  it("ask --json names the passage of a result that is one", () => {
    const json = toJson(search("make compose wait until postgres is ready"), 1);
    expect(json.results[0]).toMatchObject({
      id: "compose-startup-order",
      passage: { entry: "compose-startup-order", heading: "Why depends_on does not wait for the database to be ready" },
    });
    expect(toJson(search("swarm"), 1).results[0]).not.toHaveProperty("passage");
  });

  it("a question that only names an entry gets the entry's summary, not one of its sections", () => {
    for (const q of ["swarm", "compose file", "docker volumes explained"]) {
      const r = search(q);
      expect(r.confident, q).toBe(true);
      expect(r.hits[0]?.passage, q).toBeUndefined();
    }
  });

  it("a question no entry is sure of can still be answered by one section that matches it well", () => {
    const r = search("is it bad to use FROM node:latest");
    expect(r.confident).toBe(true);
    expect(r.hits[0]?.passage?.entry.id).toBe("dockerfile-best-practices");
    expect(r.explained).toMatch(/^no entry was sure, but the section/);
  });

  it("a close runner-up from another entry is named as Also see, in the result and in the reply", () => {
    const r = search("RUN vs CMD");
    expect(r.confident).toBe(true);
    expect(r.alsoSee?.entry.id).toBeDefined();
    expect(r.alsoSee?.entry.id).not.toBe(r.hits[0]?.entry.id);
    const reply = answerReply(index.kb, r, { visibility: "channel" });
    expect(reply?.context).toContain(`Also see: ${r.alsoSee?.entry.title}`);
    expect(reply?.buttons?.[0]?.label).toBe(r.alsoSee?.entry.title);
  });

  it("questions about tools next to Docker are not answered from words the pack merely shares", () => {
    for (const q of [
      "kubectl pod stuck pending",
      "npm ci vs npm install",
      "pip install requirements in venv",
      "crontab every 5 minutes",
    ]) {
      expect(search(q).confident, q).toBe(false);
    }
    // ...while the same tools with Docker in the question are.
    expect(search("npm install runs again on every docker build").confident).toBe(true);
  });
});

describe("passages on a small pack", () => {
  const root = mkdtempSync(join(tmpdir(), "dockhand-passages-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const entry = (id: string, title: string, summary: string, body: string) => {
    const front = {
      id,
      title,
      tags: ["fixture"],
      summary,
      sources: ["https://docs.docker.com/"],
      verified: { date: "2026-12-01", docker: "28.x" },
      quiz: [0, 1].map((n) => ({
        question: `${title} question ${n}?`,
        choices: ["one", "two", "three"],
        answer: 0,
        explanation: "Because.",
      })),
    };
    writeFileSync(join(root, "pack", `${id}.md`), `---\n${stringify(front)}---\n\n${body}\n`);
  };
  mkdirSync(join(root, "pack"));
  entry(
    "gardening",
    "Gardening containers",
    "Growing plants in pots on a balcony: soil, light and water for each season.",
    "## Water tomatoes in a heatwave\n\nWater tomatoes at dawn, twice a day in a heatwave, at the roots.\n\n## Choose soil for pots\n\nUse a peat-free compost with grit for drainage.",
  );
  entry(
    "kitchen",
    "Kitchen containers",
    "Storing food in boxes and jars: labels, airtight lids and freezer bags.",
    "## Freeze soup in jars without cracking them\n\nLeave two centimetres of headspace and cool the soup first; glass cracks when liquid expands.\n\n## Label boxes with the date\n\nWrite the date on masking tape.",
  );
  const small = new SearchIndex(loadKnowledge([join(root, "pack")], root).kb);

  it("a section of another entry that matches far better than the top entry takes its place, and the entry is named", () => {
    const r = small.search("freeze soup in glass jars without cracking", { explain: true });
    expect(r.confident).toBe(true);
    expect(r.hits[0]?.entry.id).toBe("kitchen");
    expect(r.hits[0]?.passage?.section.heading).toBe("Freeze soup in jars without cracking them");
  });

  it("a section of the answering entry that says more than its summary is the answer", () => {
    const r = small.search("water tomatoes in a heatwave");
    expect(r.hits[0]?.entry.id).toBe("gardening");
    expect(r.hits[0]?.passage?.section.heading).toBe("Water tomatoes in a heatwave");
  });

  it("a weak section does not replace a summary that answers the question", () => {
    const r = small.search("kitchen containers");
    expect(r.hits[0]?.entry.id).toBe("kitchen");
    expect(r.hits[0]?.passage).toBeUndefined();
  });
});
