import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanText } from "../../src/core/sanitize.ts";
import { runs, unmarked, userText } from "../../src/core/user-text.ts";

describe("userText", () => {
  it("marks typed text so that runs() gives it back whole, on one line", () => {
    const text = `Nothing on ${userText("[docs](https://evil.example)\n<!channel>")} yet.`;
    expect(runs(text)).toEqual([
      { text: "Nothing on ", typed: false },
      { text: "[docs](https://evil.example) <!channel>", typed: true },
      { text: " yet.", typed: false },
    ]);
    expect(unmarked(text)).toBe("Nothing on [docs](https://evil.example) <!channel> yet.");
  });

  it("for any text typed, the runs put back together are the text (marks can neither be typed nor forged)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string(), fc.string(), (typed, before, after) => {
        const clean = cleanText(typed);
        const pack = unmarked(before);
        const text = `${pack}${userText(clean)}${unmarked(after)}`;
        const parts = runs(text);
        expect(parts.filter((r) => r.typed)).toHaveLength(1);
        expect(parts.map((r) => r.text).join("")).toBe(unmarked(text));
      }),
    );
  });
});
