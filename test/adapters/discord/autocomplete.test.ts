import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CHOICES, suggest } from "../../../src/adapters/discord/autocomplete.ts";
import type { KnowledgeBase } from "../../../src/core/knowledge/loader.ts";
import { SearchIndex } from "../../../src/core/knowledge/search.ts";
import { syntheticPack } from "../../../src/tools/bench.ts";
import { knowledge } from "../../core/fixture.ts";

const builtIn = knowledge();
const big = (() => {
  const kb = syntheticPack(builtIn.kb, 1500);
  return { kb, search: new SearchIndex(kb) };
})();

/** What a member might type: part of a title or alias (any case), a slice of it, or noise. */
function typed(kb: KnowledgeBase) {
  const names = kb.entries.flatMap((e) => [e.title, ...e.aliases]);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...names), fc.nat(), fc.nat())
      .map(([n, a, b]) => n.slice(Math.min(a, b) % (n.length + 1), 1 + (Math.max(a, b) % (n.length + 1)))),
    fc.constantFrom(...names),
    fc.constantFrom(...names).map((n) => n.toUpperCase().slice(0, 4)),
    fc.string({ maxLength: 6 }),
  );
}

describe.each([
  ["the built-in pack", builtIn],
  ["a 1,500-entry pack", big],
])("suggest() for /docker question on %s", (_, p) => {
  it("offers title prefixes first, then everything that contains the text while there is room", () => {
    fc.assert(
      fc.property(typed(p.kb), (text) => {
        const out = suggest(p, "docker", "question", text);
        expect(out.length).toBeLessThanOrEqual(MAX_CHOICES);
        expect(new Set(out.map((c) => c.value)).size).toBe(out.length);
        const t = text.trim().toLowerCase();
        if (!t) return;
        const titles = new Set(p.kb.entries.map((e) => e.title));
        const entries = out.filter((c) => titles.has(c.value)).map((c) => c.value);
        // Only the last choice may be the text itself.
        expect(out.slice(0, -1).every((c) => titles.has(c.value))).toBe(true);

        // Title prefixes first, in alphabetical order (as Discord users expect of a list that narrows as they type).
        const byTitle = p.kb.entries
          .map((e) => e.title)
          .filter((title) => title.toLowerCase().startsWith(t))
          .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
        expect(entries.slice(0, byTitle.length)).toEqual(byTitle.slice(0, MAX_CHOICES));

        if (entries.length < MAX_CHOICES) {
          const containing = p.kb.entries
            .filter((e) => [e.title, ...e.aliases].some((n) => n.toLowerCase().includes(t)))
            .map((e) => e.title);
          for (const title of containing) expect(entries).toContain(title);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("suggest() for /review", () => {
  it("suggests topics as for a question, and time zones", () => {
    for (const text of ["", "volu", "compose", "netw"])
      expect(suggest(builtIn, "review", "topic", text)).toEqual(suggest(builtIn, "docker", "question", text));
    expect(suggest(builtIn, "review", "topic", "volu").length).toBeGreaterThan(0);
    expect(suggest(builtIn, "review", "timezone", "europe/ber").map((c) => c.value)).toContain("Europe/Berlin");
    expect(suggest(builtIn, "review", "time", "09")).toEqual([]);
  });
});
