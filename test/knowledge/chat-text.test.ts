import { describe, expect, it } from "vitest";
import { pages } from "../../src/core/answers/render.ts";
import { forChat } from "../../src/core/knowledge/chat-text.ts";
import { knowledge } from "../core/fixture.ts";

describe("entry bodies shown in chat", () => {
  it("joins the wrapped lines of a paragraph and of a list item", () => {
    const body = [
      "Docker keeps a volume until you",
      "delete it.",
      "",
      "- **One**: a list item that is",
      "  wrapped onto a second line.",
      "- Two",
      "1. Numbered and",
      "   wrapped.",
    ].join("\n");
    expect(forChat(body)).toBe(
      [
        "Docker keeps a volume until you delete it.",
        "",
        "- **One**: a list item that is wrapped onto a second line.",
        "- Two",
        "1. Numbered and wrapped.",
      ].join("\n"),
    );
  });

  it("keeps code blocks, tables, quotes and headings line by line", () => {
    const body = [
      "## Heading",
      "text",
      "```sh",
      "docker run \\",
      "  -p 80:80 nginx",
      "```",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "> quoted",
      "> more",
    ].join("\n");
    expect(forChat(body)).toBe(body);
  });

  it("turns links to other entries into their text and keeps web links", () => {
    expect(forChat("See [Docker Swarm](docker-swarm.md) and [the docs](https://docs.docker.com/).")).toBe(
      "See Docker Swarm and [the docs](https://docs.docker.com/).",
    );
    expect(forChat("See [build cache](docker-build.md#cache).")).toBe("See build cache.");
  });

  it("leaves no wrapped prose line and no entry link in any page of the built-in pack", () => {
    const { kb } = knowledge();
    for (const entry of kb.entries) {
      for (const page of pages(entry)) {
        expect(page, entry.id).not.toMatch(/\]\([a-z0-9-]+\.md/);
        // A page never cuts a code block in two (nor takes a `# comment` in one for a heading).
        expect(page.split("\n").filter((l) => /^\s*```/.test(l)).length % 2, `${entry.id}: unbalanced fences`).toBe(0);
        let fenced = false;
        const lines = page.split("\n");
        lines.forEach((line, i) => {
          if (/^\s*```/.test(line)) fenced = !fenced;
          const next = lines[i + 1];
          if (fenced || next === undefined) return;
          // Two prose lines in a row would be one wrapped paragraph shown as two.
          const prose = (l: string) => /^[A-Za-z`*(]/.test(l) && !/^\s*([-*+]\s|```)/.test(l);
          if (prose(line) && prose(next) && !/^\s*```/.test(next))
            throw new Error(`${entry.id}: "${line}" / "${next}"`);
        });
      }
    }
  });
});
