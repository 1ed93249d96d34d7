import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadKnowledge } from "../../src/core/knowledge/loader.ts";
import { parseYamlFast, readSimpleYaml } from "../../src/core/knowledge/simple-yaml.ts";
import { builtInPacks } from "../../src/paths.ts";

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---/;

/** What the full parser makes of `text`, or "error". */
function full(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return "error";
  }
}

function frontmatters(): string[] {
  const out: string[] = [];
  for (const pack of builtInPacks) {
    for (const name of readdirSync(pack, { recursive: true }) as string[]) {
      const text = readFileSync(join(pack, name), "utf8");
      if (name.endsWith(".md")) out.push(FRONTMATTER.exec(text)?.[1] ?? "");
      else if (/\.ya?ml$/.test(name)) out.push(text);
    }
  }
  return out;
}

/** A small seeded generator, so that a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

describe("the fast YAML reader", () => {
  it("reads the built-in packs' files as the full parser does, or leaves them to it", () => {
    const texts = frontmatters();
    let read = 0;
    for (const text of texts) {
      const simple = readSimpleYaml(text);
      if (simple) {
        read++;
        expect(simple.value).toEqual(full(text));
      }
      expect(parseYamlFast(text)).toEqual(full(text));
    }
    // Most files are plain enough to be read without the full parser.
    expect(read).toBeGreaterThan(texts.length * 0.8);
  });

  it("agrees with the full parser on what yaml's stringify writes, whatever the strings hold", () => {
    const rand = prng(20261202);
    const pieces = [
      "docker run -p 8080:80",
      "a: b",
      " # not a comment?",
      "'quoted'",
      '"double"',
      "back\\slash",
      "é ü",
      "\u00a0",
      "–",
      "null",
      "true",
      "42",
      "0.5",
      "0x1f",
      "~",
      "- dash",
      "[a, b]",
      "{b: c}",
      "&anchor",
      "*alias",
      "!tag",
      "%",
      "@",
      "`code`",
      ",",
      "\n",
      "\n\n",
      "---",
      "...",
      "| >",
      "a long sentence that goes on and on so that the writer has to fold it over several lines",
      "  leading",
      "trailing  ",
      "2026-12-02",
    ];
    const str = () => {
      let t = "";
      const n = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) t += (rand() < 0.6 ? " " : "") + pieces[Math.floor(rand() * pieces.length)];
      return rand() < 0.5 ? t.trim() : t;
    };
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 2 || r < 0.5) return rand() < 0.9 ? str() : Math.floor(rand() * 100);
      if (r < 0.75) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 1 + rand() * 4; i++) o[["id", "title", "cmd", "does", "k_x"][i] as string] = value(depth + 1);
      return o;
    };
    let read = 0;
    for (let i = 0; i < 3000; i++) {
      const doc: Record<string, unknown> = {};
      for (let j = 0; j < 1 + rand() * 5; j++) doc[`key${j}`] = value(0);
      for (const text of [stringify(doc), stringify(doc, { lineWidth: 30 })]) {
        const simple = readSimpleYaml(text);
        if (!simple) continue;
        read++;
        expect(simple.value, text).toEqual(full(text));
      }
    }
    expect(read).toBeGreaterThan(1000);
  });

  it("leaves what it does not handle to the full parser, errors included", () => {
    const odd = [
      "a: 1\na: 2\n",
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: b # comment\n",
      "# comment\na: 1\n",
      "a:\n\t- b\n",
      "a: {b: 1}\n",
      "a: [1, 2]\n",
      "a: |2\n   x\n",
      "a: b\n  c: d\n",
      "a: 'open\n",
    ];
    for (const text of odd) {
      expect(readSimpleYaml(text), text).toBeUndefined();
      let expected: unknown;
      try {
        expected = { value: parse(text) };
      } catch (err) {
        expected = { error: (err as Error).message };
      }
      let got: unknown;
      try {
        got = { value: parseYamlFast(text) };
      } catch (err) {
        got = { error: (err as Error).message };
      }
      expect(got, text).toEqual(expected);
    }
  });

  it("loads the built-in packs to the same entries and problems as the full parser", () => {
    const fast = loadKnowledge(builtInPacks);
    const strict = loadKnowledge(builtInPacks, process.cwd(), "full");
    expect(fast.problems).toEqual(strict.problems);
    expect(fast.kb.entries).toEqual(strict.kb.entries);
    expect(fast.kb.tracks).toEqual(strict.kb.tracks);
  });
});
