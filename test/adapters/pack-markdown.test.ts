import type { types as Slack } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { renderReply } from "../../src/adapters/console/render.ts";
import { DISCORD_LIMITS, renderDiscord } from "../../src/adapters/discord/render.ts";
import { renderSlack, SLACK_LIMITS } from "../../src/adapters/slack/render.ts";
import { PAGE_SIZE, pageReply, pages, passageReply } from "../../src/core/answers.ts";
import { forChat } from "../../src/core/knowledge/chat-text.ts";
import { passagesOf } from "../../src/core/knowledge/passages.ts";
import { type Reply, reply } from "../../src/core/reply.ts";
import { knowledge } from "../core/fixture.ts";

/**
 * Passages are the answer now, so every Markdown construct the pack's bodies use (headings, lists, code
 * spans and blocks, bold, links, tables) must reach each surface as that surface shows it, with no raw
 * syntax left over and within its limits: every passage reply and every "Show more" page of the pack.
 */

const { kb } = knowledge();

function packReplies(): [string, Reply][] {
  const out: [string, Reply][] = [];
  for (const p of passagesOf(kb.entries)) {
    out.push([p.id, passageReply(kb, p.entry, p, { visibility: "channel", queryId: 1 })]);
  }
  for (const e of kb.entries) {
    for (let i = 0; i < pages(e).length; i++) out.push([`${e.id} page ${i + 1}`, pageReply(e, i, false)]);
  }
  return out;
}
const replies = packReplies();

/** The parts of a text outside ``` code blocks, where Markdown should have been turned into the surface's own. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const ESC = "\x1b";
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, "g");
const CODE = new RegExp(`${ESC}\\[36m[^${ESC}]*${ESC}\\[0m`, "g");

const outsideCode = (text: string) => text.split("```").filter((_, i) => i % 2 === 0);

/** Text with its inline code spans taken out: what is inside them is shown as typed, Markdown or not. */
const withoutCodeSpans = (text: string) => text.replace(/`[^`\n]*`/g, "code");

const TABLE_ROW = /^\s*\|.*\|\s*$/m;
const DELIMITER = /^\s*\|?\s*:?-{3,}:?\s*\|/m;

function mrkdwnTexts(blocks: Slack.KnownBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === "section") {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    } else if (b.type === "context") {
      for (const el of b.elements) if (el.type === "mrkdwn") out.push(el.text);
    }
  }
  return out;
}

describe("the pack's Markdown on every surface", { timeout: 180_000 }, () => {
  it("covers the pack: passages, pages and tables among them", () => {
    expect(replies.length).toBeGreaterThan(kb.entries.length * 3);
    expect(replies.some(([, r]) => TABLE_ROW.test(r.text ?? ""))).toBe(true);
  });

  it("Slack: within Block Kit's limits, tables laid out as fields, no Markdown syntax left", () => {
    for (const [id, r] of replies) {
      const messages = renderSlack(r);
      for (const m of messages) {
        expect(m.blocks.length, id).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
        for (const b of m.blocks) {
          if (b.type !== "section") continue;
          expect(b.text?.text.length ?? 0, id).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
          expect(b.fields?.length ?? 0, id).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
          for (const f of b.fields ?? []) expect(f.text.length, id).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
        }
        for (const text of mrkdwnTexts(m.blocks)) {
          for (const part of outsideCode(text).map(withoutCodeSpans)) {
            expect(part, id).not.toMatch(TABLE_ROW);
            expect(part, id).not.toMatch(DELIMITER);
            expect(part, id).not.toMatch(/\*\*|\]\(|^#{1,6} /m);
          }
        }
      }
      if (TABLE_ROW.test(r.text ?? "")) {
        expect(
          messages.some((m) => m.blocks.some((b) => b.type === "section" && (b.fields?.length ?? 0) > 0)),
          id,
        ).toBe(true);
      }
    }
  });

  it("Discord: within its limits, tables as lists, no heading Discord cannot show", () => {
    for (const [id, r] of replies) {
      for (const m of renderDiscord(r)) {
        let total = 0;
        for (const e of m.embeds ?? []) {
          expect(e.description?.length ?? 0, id).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
          expect(e.fields?.length ?? 0, id).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
          total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
          for (const f of e.fields ?? []) total += f.name.length + f.value.length;
          for (const part of outsideCode(e.description ?? "")) {
            expect(part, id).not.toMatch(DELIMITER);
            expect(part, id).not.toMatch(/^#{4,6} /m);
          }
        }
        expect(total, id).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
      }
    }
  });

  it("terminal: within the width, tables aligned, no Markdown syntax left outside code", () => {
    for (const width of [60, 100]) {
      for (const [id, r] of replies) {
        // in colour, code spans are marked: what is inside them is shown as written, Markdown or not
        const colored = renderReply(r, { width, color: true }).split("\n");
        const lines = colored.map((l) => l.replace(ANSI, ""));
        const noCode = colored.map((l) => l.replace(CODE, "code").replace(ANSI, ""));
        let fenced = false;
        lines.forEach((line, i) => {
          // code is shown indented by four spaces, as it is
          if (line.startsWith("    ")) return;
          expect(line.length, `${id} @${width}: ${line}`).toBeLessThanOrEqual(width);
          const shown = noCode[i] ?? "";
          fenced = fenced || line.includes("```");
          expect(shown, id).not.toMatch(/`|\*\*|\]\(|^#{1,6} /);
          expect(shown, id).not.toMatch(TABLE_ROW);
          expect(shown, id).not.toMatch(DELIMITER);
        });
        expect(fenced, id).toBe(false);
        // every table's column separators line up
        const rows = lines.filter((l) => l.includes(" │ ") || l.includes("─┼─"));
        if (rows.length > 0) {
          const at = (l: string) => [...l.matchAll(/[│┼]/g)].map((m) => m.index);
          const first = at(rows[0] as string);
          for (const l of rows) expect(at(l), `${id}: ${l}`).toEqual(first.slice(0, at(l).length));
        }
      }
    }
  });
});

describe("tables and inline code, by example", () => {
  const table = reply({
    text: [
      "Which flag does what:",
      "",
      "| Flag | Effect | Example |",
      "| --- | --- | --- |",
      "| `-p` | Publishes a port | `docker run -p 8080:80 nginx` |",
      "| `--rm` | Removes the container when it exits | `docker run --rm alpine true` |",
      "",
      "That is all.",
    ].join("\n"),
  });

  it("Slack: one section per row, the first cell in bold, a field per other column under its header", () => {
    const blocks = renderSlack(table)[0]?.blocks ?? [];
    const rows = blocks.filter((b): b is Slack.SectionBlock => b.type === "section" && !!b.fields);
    expect(rows.map((b) => b.text?.text)).toEqual(["*`-p`*", "*`--rm`*"]);
    expect(rows[0]?.fields?.map((f) => f.text)).toEqual([
      "*Effect*\nPublishes a port",
      "*Example*\n`docker run -p 8080:80 nginx`",
    ]);
    const prose = blocks.filter((b): b is Slack.SectionBlock => b.type === "section" && !b.fields);
    expect(prose.map((b) => b.text?.text)).toEqual(["Which flag does what:", "That is all."]);
  });

  it("terminal: aligned columns under a rule, code spans without their backticks", () => {
    const out = renderReply(table, { width: 100, color: false }).split("\n");
    const start = out.indexOf("That is all.") - 1;
    const grid = out.slice(
      out.findIndex((l) => l.startsWith("Flag")),
      start,
    );
    expect(grid[0]).toMatch(/^Flag\s+│ Effect\s+│ Example$/);
    expect(grid[1]).toMatch(/^─+─┼─+─┼─+$/);
    expect(grid[2]).toMatch(/^-p\s+│ Publishes a port\s+│ docker run -p 8080:80 nginx$/);
    const bars = grid.map((l) => l.indexOf("│"));
    expect(new Set(bars.filter((i) => i >= 0)).size).toBe(1);
  });

  it("terminal: code spans next to punctuation stay apart, wrapped or not", () => {
    const text = "Use `docker stop`/`docker start`, but `docker rm` deletes it.";
    const colored = renderReply(reply({ text }), { width: 100, color: true });
    const code = (s: string) => `\x1b[36m${s}\x1b[0m`;
    expect(colored).toContain(
      `Use ${code("docker stop")}/${code("docker start")}, but ${code("docker rm")} deletes it.`,
    );
    for (const width of [12, 20, 30]) {
      const plain = renderReply(reply({ text }), { width, color: false });
      expect(plain).not.toContain("`");
      expect(plain.replace(/\s+/g, " ")).toBe("Use docker stop/docker start, but docker rm deletes it.");
    }
  });

  it("Discord: a table becomes its header in bold and a list item per row", () => {
    const description = renderDiscord(table)[0]?.embeds?.[0]?.description ?? "";
    expect(description).toContain("**Flag**: **Effect** · **Example**");
    expect(description).toContain("- `-p`: Publishes a port · `docker run -p 8080:80 nginx`");
  });
});

describe("Show more pages follow sections", { timeout: 60_000 }, () => {
  it("a section that fits a page is on one page, whole, starting with its heading", () => {
    let whole = 0;
    for (const e of kb.entries) {
      const shown = pages(e);
      for (const s of e.sections) {
        const text = forChat(s.text);
        if (text.length + s.heading.length + 4 > PAGE_SIZE) continue;
        const holding = shown.filter((p) => new RegExp(`^## ${literal(s.heading)}\n+${literal(text)}`, "m").test(p));
        expect(holding, `${e.id}: ${s.heading}`).toHaveLength(1);
        whole++;
      }
      // a page begins at a section's heading, or continues a section too long for one page
      shown.forEach((p, i) => {
        if (i > 0 && !/^## /.test(p)) {
          const previous = shown[i - 1] ?? "";
          const heading = [...previous.matchAll(/^## (.*)$/gm)].pop()?.[1];
          const s = e.sections.find((x) => x.heading === heading);
          expect(s && forChat(s.text).length + s.heading.length + 4 > PAGE_SIZE, `${e.id} page ${i + 1}`).toBe(true);
        }
      });
    }
    expect(whole).toBeGreaterThan(kb.entries.length * 3);
  });
});
