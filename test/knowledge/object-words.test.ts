import { beforeAll, describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../src/core/knowledge/search.ts";
import { builtInPacks } from "../../src/paths.ts";

/** Words that name a property every JavaScript object has must be read as plain words. */
let index: SearchIndex;
beforeAll(() => {
  index = new SearchIndex(loadKnowledge(builtInPacks).kb);
});

describe("questions made of object property names", () => {
  it.each([
    "constructor",
    "__proto__",
    "__proto__ toString",
    "hasOwnProperty valueOf",
    "--constructor",
    "docker constructor",
    "prototype vs __proto__",
  ])("%s is answered without an error", (q) => {
    const r = index.search(q, { explain: true });
    expect(["answer", "comparison", "suggestions", "none"]).toContain(r.kind);
    for (const h of r.hits) expect(typeof h.entry.id).toBe("string");
  });

  it("still finds the entry when such a word stands beside a real question", () => {
    const plain = index.search("docker volume prune").hits[0]?.entry.id;
    expect(plain).toBeTruthy();
    expect(index.search("constructor docker volume prune").hits[0]?.entry.id).toBe(plain);
  });
});
