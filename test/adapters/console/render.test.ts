import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReply, renderTable, unwrapMarkdown, wrap } from "../../../src/adapters/console/render.ts";
import { notice, type Reply, reply } from "../../../src/core/reply.ts";
import { unmarked } from "../../../src/core/user-text.ts";
import { button, caller, type Fixture, makeFixture } from "../../core/fixture.ts";

const WIDTHS = [40, 60, 80, 100];
const ESC = "\x1b[";

let f: Fixture;
/** Real replies of every kind, from the real dispatcher. */
const replies: Record<string, Reply> = {};

beforeAll(async () => {
  f = await makeFixture();
  let n = 0;
  const ask = (q: string, admin = false) =>
    f.dispatcher.text(q, caller({ channelId: `C${n++}`, userId: admin ? "U-admin" : "U1" }));
  replies.answer = await ask("how do I publish a port");
  replies.comparisonEntry = await ask("volumes vs bind mounts");
  replies.builtComparison = await ask("docker compose vs docker swarm");
  replies.suggestions = await ask("docker stuff");
  replies.none = await ask("the weather in paris");
  replies.page = await f.dispatcher.action(button(replies.answer, "Show more"), caller());
  replies.nextPage = await f.dispatcher.action(button(replies.page, "Next ▶"), caller());
  replies.related = await f.dispatcher.action("v1|entry|dockerfile-instructions", caller());
  replies.topics = await ask("topics");
  replies.tagged = await ask("topics containers");
  replies.help = await ask("help");
  replies.gaps = await ask("gaps", true);
  replies.userError = await ask("topics nosuchtag");
  replies.vote = await f.dispatcher.action(button(replies.answer, "👍"), caller());
  replies.pointer = await f.dispatcher.text("how do I publish a port", caller({ channelId: "C0" }));
  expect(replies.pointer.text).toMatch(/seconds ago/);
});
afterAll(() => f.close());

const kinds = () => Object.entries(replies);
const plain = (r: Reply, width = 80) => renderReply(r, { width, color: false });
const isTableLine = (l: string) => /[│┼]/.test(l);
const isButtonLine = (l: string) => /^\[1\] /.test(l);

/** The lines of prose the renderer wraps: everything but table rows, code blocks, headers and buttons. */
function proseLines(r: Reply, width: number): string[] {
  const lines = plain(r, width).split("\n");
  const header = r.header;
  return lines.filter(
    (l) => !isTableLine(l) && !isButtonLine(l) && !l.startsWith("    ") && l !== header && !/^\|.*\|$/.test(l),
  );
}

describe("renderReply", () => {
  it("shows the header first, with the ephemeral marker only on only-me replies", () => {
    for (const [kind, r] of kinds()) {
      const lines = plain(r).split("\n");
      const marker = "(only you can see this)";
      if (r.visibility === "ephemeral") expect(lines[0], kind).toBe(marker);
      else expect(plain(r), kind).not.toContain(marker);
      if (r.header) {
        const at = r.visibility === "ephemeral" ? 1 : 0;
        expect(lines[at], kind).toBe(r.header);
        expect(lines[at + 1], kind).toBe("");
      }
    }
    expect(replies.answer?.visibility).toBe("channel");
    expect(replies.none?.visibility).toBe("ephemeral");
  });

  it("keeps wrapped prose (text, bullets, context) within the width", () => {
    for (const width of WIDTHS) {
      for (const [kind, r] of kinds()) {
        for (const line of proseLines(r, width))
          expect(line.length, `${kind} @${width}: ${line}`).toBeLessThanOrEqual(width);
      }
    }
  });

  it("keeps every word of the reply's text, in order", () => {
    for (const [kind, r] of kinds()) {
      if (!r.text || /```|^\|/m.test(r.text)) continue;
      // heading markers are dropped (the heading is shown bold instead)
      // Markdown syntax is taken off: code spans and bold show their text, a link its text and address
      const text = unmarked(r.text)
        .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, "$1 ($2)")
        .replace(/`|\*\*/g, "")
        .replace(/(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])/g, "$1");
      const words = text.split(/\s+/).filter((w) => w && !/^#{1,6}$/.test(w));
      const shown = plain(r, 40).split("\n").join(" ").split(/\s+/).filter(Boolean).join(" ");
      // a word longer than the line is split with a hyphen, so compare with the hyphens removed
      expect(shown.replace(/-\s/g, ""), kind).toContain(words.join(" ").replace(/- /g, ""));
    }
  });

  it("numbers the buttons [1]..[n] in order, on the last lines", () => {
    for (const [kind, r] of kinds()) {
      const lines = plain(r).split("\n");
      if (!r.buttons?.length) {
        expect(lines.some(isButtonLine), kind).toBe(false);
        continue;
      }
      const first = lines.findIndex((l) => l.startsWith("[1] "));
      const last = lines.slice(first).join("  ");
      const expected = r.buttons.map((b, i) => `[${i + 1}] ${b.label}`).join("  ");
      expect(last, kind).toBe(expected);
    }
  });

  it("renders a comparison as a table whose │ separators line up on every line", () => {
    for (const width of WIDTHS) {
      for (const kind of ["comparisonEntry", "builtComparison"]) {
        const r = replies[kind] as Reply;
        const table = plain(r, width).split("\n").filter(isTableLine);
        const cols = (l: string) => [...l].flatMap((ch, i) => (ch === "│" || ch === "┼" ? [i] : []));
        const first = cols(table[0] ?? "");
        expect(first.length, kind).toBe(r.comparison?.sides.length);
        for (const line of table) expect(cols(line), `${kind} @${width}: ${line}`).toEqual(first);
        // the side names and each aspect appear
        for (const row of r.comparison?.rows ?? [])
          expect(
            table.some((l) => l.startsWith(row.aspect)),
            row.aspect,
          ).toBe(true);
        expect(table.filter((l) => l.includes("┼"))).toHaveLength(1);
      }
    }
  });

  it("fits a two-side table in 80 columns and a three-side one in 100", () => {
    const three = {
      sides: ["Docker Swarm", "Kubernetes", "Nomad"],
      rows: [
        { aspect: "Setup", values: ["docker swarm init on one node", "a control plane and kubelets", "one binary"] },
        { aspect: "Scale", values: ["thousands of nodes", "tens of thousands of nodes", "clusters of clusters"] },
      ],
    };
    for (const line of renderTable(three, { width: 100, color: false })) expect(line.length).toBeLessThanOrEqual(100);
    for (const kind of ["comparisonEntry", "builtComparison"]) {
      const table = plain(replies[kind] as Reply, 80)
        .split("\n")
        .filter(isTableLine);
      for (const line of table) expect(line.length, line).toBeLessThanOrEqual(80);
    }
  });

  // BUG (src/adapters/console/render.ts, renderTable): cells are at least 12 columns and the
  // aspect column up to 18, so a two-side table needs 48 columns; the console clamps its width
  // to 40..100, and at 40 the table rows are 42–46 characters wide and wrap in the terminal.
  it("fits a two-side table in the console's narrowest width (40)", () => {
    const table = plain(replies.comparisonEntry as Reply, 40)
      .split("\n")
      .filter(isTableLine);
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(40);
  });

  // BUG (src/adapters/console/render.ts, renderReply): the buttons are joined on one line that is
  // never wrapped: an answer's line is 160 characters at width 80, so the terminal breaks it
  // inside labels ("[4] Sh" / "ow more"). Expected: button lines within the width.
  it("keeps the button line(s) within the width", () => {
    const lines = plain(replies.comparisonEntry as Reply, 80).split("\n");
    const start = lines.findIndex(isButtonLine);
    expect(start).toBeGreaterThan(0);
    for (const line of lines.slice(start)) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it("renders bullets with a hanging indent, fenced code indented, and no fences", () => {
    const r = reply({
      text: "Intro line\n\n```sh\ndocker run -d -p 8080:80 --name web nginx:1.27 --a-very-long-flag-that-stays\n```\nAfter.",
      bullets: ["one two three four five six seven eight nine ten eleven twelve thirteen fourteen"],
    });
    const out = renderReply(r, { width: 40, color: false }).split("\n");
    expect(out).toContain("    docker run -d -p 8080:80 --name web nginx:1.27 --a-very-long-flag-that-stays");
    expect(out.some((l) => l.includes("```"))).toBe(false);
    const b = out.findIndex((l) => l.startsWith("• one"));
    expect(b).toBeGreaterThan(0);
    expect(out[b + 1]).toMatch(/^ {2}\S/);
    for (const l of out.slice(b, b + 2)) expect(l.length).toBeLessThanOrEqual(40);
  });

  it("renders a notice as its text alone", () => {
    expect(renderReply(notice("Hello there."), { width: 80, color: false })).toBe(
      "(only you can see this)\nHello there.",
    );
  });

  it("uses colour only when asked", () => {
    for (const [kind, r] of kinds()) expect(plain(r).includes(ESC), kind).toBe(false);
    const coloured = renderReply(replies.answer as Reply, { width: 80, color: true });
    expect(coloured).toContain(`${ESC}1m${replies.answer?.header}${ESC}0m`);
    expect(coloured).toContain(`${ESC}36m`); // inline code
    expect(coloured).toContain(`${ESC}2m`); // context
    expect(renderReply(notice("x"), { width: 80, color: true })).toContain(`${ESC}2m(only you can see this)${ESC}0m`);
    const table = renderReply(replies.comparisonEntry as Reply, { width: 80, color: true });
    expect(table).toContain(`${ESC}1m`);
  });
});

describe("wrap", () => {
  it("wraps at spaces and splits a word longer than the line with a hyphen", () => {
    expect(wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrap("abcdefghij", 4)).toEqual(["abc-", "def-", "ghij"]);
    expect(wrap("abcdefghijk", 4)).toEqual(["abc-", "def-", "ghi-", "jk"]);
    expect(wrap("one\ntwo", 80)).toEqual(["one", "two"]);
    for (const l of wrap("x ".repeat(100) + "y".repeat(95), 30)) expect(l.length).toBeLessThanOrEqual(30);
  });
});

describe("unwrapMarkdown", () => {
  it("joins hard-wrapped paragraph lines and keeps list items, headings, tables and fenced code", () => {
    const text = [
      "# Title",
      "First line of a paragraph",
      "continues here.",
      "",
      "- item one",
      "  continued item",
      "- item two",
      "* star item",
      "1. numbered",
      "## Heading",
      "Para after heading",
      "```sh",
      "line a",
      "  line b",
      "```",
      "after code",
      "| a | b |",
      "| c | d |",
    ].join("\n");
    expect(unwrapMarkdown(text)).toEqual([
      "# Title",
      "First line of a paragraph continues here.",
      "",
      "- item one continued item",
      "- item two",
      "* star item",
      "1. numbered",
      "## Heading",
      "Para after heading",
      "```sh",
      "line a",
      "  line b",
      "```",
      "after code",
      "| a | b |",
      "| c | d |",
    ]);
  });

  it("leaves text without hard wraps alone", () => {
    expect(unwrapMarkdown("One paragraph.\n\nAnother.")).toEqual(["One paragraph.", "", "Another."]);
    expect(unwrapMarkdown("")).toEqual([""]);
  });

  it("shows an entry page's code blocks line by line", () => {
    const out = plain(replies.page as Reply, 80).split("\n");
    const code = out.filter((l) => /^ {4}(docker|curl) /.test(l));
    expect(code.length).toBeGreaterThan(1);
  });
});
