import { describe, expect, it } from "vitest";
import {
  compoundsOf,
  editDistance,
  isCommonWord,
  isStopWord,
  searchTerm,
  TermCorrector,
} from "../../src/core/knowledge/terms.ts";

describe("editDistance", () => {
  it.each([
    ["docker", "docker", 0],
    ["dokcer", "docker", 1], // two neighbouring letters swapped: one edit
    ["prot", "port", 1],
    ["volums", "volume", 1],
    ["volum", "volume", 1],
    ["standup", "startup", 2],
    ["userland", "useradd", 2],
  ])("%s ↔ %s = %i", (a, b, d) => {
    expect(editDistance(a, b, 3)).toBe(d);
    expect(editDistance(b, a, 3)).toBe(d);
  });

  it("stops at max + 1", () => {
    expect(editDistance("berlin", "beginner", 1)).toBe(2);
    expect(editDistance("a", "abcdef", 2)).toBe(3);
  });
});

describe("isCommonWord", () => {
  it.each(["world", "weather", "won", "cup", "meeting", "center", "talking", "stopped", "bigger", "quickly", "tries"])(
    "%s is a frequent English word",
    (w) => {
      expect(isCommonWord(w)).toBe(true);
    },
  );

  it.each(["dokcer", "imgae", "exce", "prot", "kubernets", "helthcheck", "workdir", "dockerfile"])("%s is not", (w) => {
    expect(isCommonWord(w)).toBe(false);
  });
});

describe("TermCorrector", () => {
  const short = ["workdir", "startup", "beginner", "useradd", "docker", "compose", "image", "exec", "port", "volume"];
  const pack = [...short, "healthcheck", "kubernetes", "tag", "log", "running"];
  const corrector = new TermCorrector(
    new Set(pack.map(searchTerm)),
    new Map(pack.map((t) => [t, 1])),
    compoundsOf([["bind", "mount"]]),
  );

  it("keeps words of the vocabulary, in any inflection", () => {
    expect(corrector.lookup("docker")).toEqual({ terms: ["docker"], words: ["docker"], fuzzy: false });
    expect(corrector.lookup("composed")).toEqual({ terms: [searchTerm("compose")], words: ["composed"], fuzzy: false });
  });

  it("splits a joined compound, as a sure match", () => {
    expect(corrector.lookup("bindmount")).toEqual({ terms: ["bind", "mount"], words: ["bind", "mount"], fuzzy: false });
  });

  it("a short verb's -ing form keeps its own term when the packs use it; else it meets the verb", () => {
    expect(corrector.correct("running")).toEqual([searchTerm("running")]);
    expect(searchTerm("running")).not.toBe(searchTerm("run"));
    expect(corrector.lookup("tagging")).toEqual({ terms: ["tag"], words: ["tag"], fuzzy: false });
    expect(corrector.correct("logged")).toEqual(["log"]);
  });

  it.each([
    ["dokcer", "docker"],
    ["imgae", "image"],
    ["exce", "exec"],
    ["prot", "port"],
    ["voluem", "volume"],
    ["odcker", "docker"], // the first two letters swapped
    ["kubernets", "kubernetes"],
    ["helthcheck", "healthcheck"],
    ["helthchek", "healthcheck"], // two edits in a long word
  ])("corrects the typo %s → %s, marked as a guess", (typo, word) => {
    expect(corrector.lookup(typo)).toEqual({ terms: [searchTerm(word)], words: [word], fuzzy: true });
  });

  it.each(["world", "standup", "berlin", "userland", "weather"])(
    "does not turn the unrelated word %s into a pack word",
    (w) => {
      expect(corrector.correct(w)).toBeNull();
    },
  );

  it("a misspelt stop word is dropped, but a frequent word near a stop word is unknown", () => {
    expect(isStopWord("whether")).toBe(true);
    expect(corrector.correct("wheter")).toEqual([]);
    expect(corrector.correct("weather")).toBeNull();
  });

  it("words of four letters are corrected only by a swap of two letters; shorter ones never", () => {
    expect(corrector.correct("pont")).toBeNull();
    expect(corrector.correct("exac")).toBeNull();
    expect(corrector.correct("prt")).toBeNull();
  });

  it("words up to eight letters take one edit, not two", () => {
    expect(corrector.correct("dockre")).toEqual(["docker"]);
    expect(corrector.correct("dckre")).toBeNull();
    expect(corrector.correct("compse")).toEqual([searchTerm("compose")]);
    expect(corrector.correct("cmpse")).toBeNull();
  });
});
