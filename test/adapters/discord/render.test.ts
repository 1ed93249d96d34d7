import { type APIButtonComponent, type APIEmbed, ButtonStyle, ComponentType, MessageFlags } from "discord.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  autocompleteChoice,
  DISCORD_LIMITS,
  type DiscordMessage,
  discordMarkdown,
  messageFlags,
  neutraliseMentions,
  renderDiscord,
} from "../../../src/adapters/discord/render.ts";
import { encodeAction } from "../../../src/core/actions.ts";
import { pageReply, pages } from "../../../src/core/answers.ts";
import { type Button, type Reply, reply } from "../../../src/core/reply.ts";
import { type Fixture, makeFixture } from "../../core/fixture.ts";
import { wordyReply } from "../prose.ts";
import { entry, realReplies } from "../real-replies.ts";

const ZWSP = "\u200b";

/** Characters Discord counts against the 6,000 of a message's embeds. */
function embedChars(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Mentions that would render (or, in content, ping) if they reached Discord as they are. */
const LIVE_MENTION = /@(?:everyone|here)|<@[!&]?\d+>|<#\d+>|<\/[^<>\s:]+:\d+>/i;

/** Every text a message shows, with where it is. */
function texts(m: DiscordMessage): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  if (m.content !== undefined) out.push({ where: "content", text: m.content });
  m.embeds.forEach((e, i) => {
    if (e.title !== undefined) out.push({ where: `embed ${i} title`, text: e.title });
    if (e.description !== undefined) out.push({ where: `embed ${i} description`, text: e.description });
    for (const [j, f] of (e.fields ?? []).entries()) {
      out.push(
        { where: `embed ${i} field ${j} name`, text: f.name },
        { where: `embed ${i} field ${j}`, text: f.value },
      );
    }
    if (e.footer) out.push({ where: `embed ${i} footer`, text: e.footer.text });
  });
  for (const row of m.components) for (const b of row.components) out.push({ where: "button", text: labelOf(b) ?? "" });
  return out;
}

/** A button's label (premium buttons have none; Dockhand sends none of those). */
const labelOf = (b: APIButtonComponent) => ("label" in b ? b.label : undefined);

const customIds = (messages: DiscordMessage[]) =>
  messages.flatMap((m) => m.components.flatMap((r) => r.components.map((b) => ("custom_id" in b ? b.custom_id : ""))));

/** Fails with a precise message when a message breaks one of Discord's limits or lets a mention through. */
function checkMessage(m: DiscordMessage, label: string): void {
  const at = (w: string) => `${label}: ${w}`;
  const L = DISCORD_LIMITS;
  expect(m.allowedMentions, at("allowedMentions")).toEqual({ parse: [] });
  expect(m.content !== undefined || m.embeds.length > 0, at("has content or embeds")).toBe(true);
  if (m.content !== undefined) {
    expect(m.content.trim().length, at("content")).toBeGreaterThan(0);
    expect(m.content.length, at("content")).toBeLessThanOrEqual(L.content);
  }
  expect(m.embeds.length, at("embeds")).toBeLessThanOrEqual(L.embedsPerMessage);
  expect(
    m.embeds.reduce((n, e) => n + embedChars(e), 0),
    at("characters in all embeds"),
  ).toBeLessThanOrEqual(L.embedsTotal);
  for (const [i, e] of m.embeds.entries()) {
    const w = at(`embed ${i}`);
    expect(e.title !== undefined || e.description !== undefined || !!e.fields?.length || !!e.footer, w).toBe(true);
    if (e.title !== undefined) {
      expect(e.title.trim().length, `${w} title`).toBeGreaterThan(0);
      expect(e.title.length, `${w} title`).toBeLessThanOrEqual(L.embedTitle);
    }
    if (e.description !== undefined) {
      expect(e.description.trim().length, `${w} description`).toBeGreaterThan(0);
      expect(e.description.length, `${w} description`).toBeLessThanOrEqual(L.embedDescription);
    }
    expect(e.fields?.length ?? 0, `${w} fields`).toBeLessThanOrEqual(L.embedFields);
    for (const f of e.fields ?? []) {
      expect(f.name.trim().length, `${w} field name`).toBeGreaterThan(0);
      expect(f.name.length, `${w} field name`).toBeLessThanOrEqual(L.fieldName);
      expect(f.value.trim().length, `${w} field value`).toBeGreaterThan(0);
      expect(f.value.length, `${w} field value`).toBeLessThanOrEqual(L.fieldValue);
    }
    if (e.footer) {
      expect(e.footer.text.trim().length, `${w} footer`).toBeGreaterThan(0);
      expect(e.footer.text.length, `${w} footer`).toBeLessThanOrEqual(L.footerText);
    }
    expect(e.author, `${w} author`).toBeUndefined();
  }
  expect(m.components.length, at("action rows")).toBeLessThanOrEqual(L.actionRows);
  for (const row of m.components) {
    expect(row.type, at("row type")).toBe(ComponentType.ActionRow);
    expect(row.components.length, at("buttons in a row")).toBeGreaterThan(0);
    expect(row.components.length, at("buttons in a row")).toBeLessThanOrEqual(L.buttonsPerRow);
    for (const b of row.components) {
      expect(b.type, at("button type")).toBe(ComponentType.Button);
      expect([ButtonStyle.Primary, ButtonStyle.Secondary, ButtonStyle.Danger], at("button style")).toContain(b.style);
      expect(labelOf(b)?.trim().length ?? 0, at("button label")).toBeGreaterThan(0);
      expect(labelOf(b)?.length ?? 0, at("button label")).toBeLessThanOrEqual(L.buttonLabel);
      const id = "custom_id" in b ? b.custom_id : "";
      expect(id.length, at("custom_id")).toBeGreaterThan(0);
      expect(id.length, at("custom_id")).toBeLessThanOrEqual(L.customId);
    }
  }
  const ids = customIds([m]);
  expect(new Set(ids).size, at("custom_ids are unique in a message")).toBe(ids.length);
  for (const t of texts(m)) expect(t.text, at(`${t.where} has a live mention`)).not.toMatch(LIVE_MENTION);
}

function check(r: Reply, label: string): DiscordMessage[] {
  const messages = renderDiscord(r);
  expect(messages.length, label).toBeGreaterThan(0);
  for (const [i, m] of messages.entries()) checkMessage(m, `${label} message ${i + 1}/${messages.length}`);
  for (const m of messages.slice(0, -1)) expect(m.components, `${label}: buttons only on the last`).toEqual([]);
  return messages;
}

function only(messages: DiscordMessage[]): { m: DiscordMessage; e: APIEmbed } {
  expect(messages).toHaveLength(1);
  const m = messages[0] as DiscordMessage;
  expect(m.embeds).toHaveLength(1);
  return { m, e: m.embeds[0] as APIEmbed };
}

const descriptions = (messages: DiscordMessage[]) =>
  messages.flatMap((m) => m.embeds.flatMap((e) => (e.description ? [e.description] : [])));

const INJECTIONS = ["@everyone", "@here", "<@123>", "<@!123>", "<@&5>", "<#1>", "</docker:42>", "@EVERYONE"];
const HOSTILE = INJECTIONS.join(" ");

let f: Fixture;
/** Real replies of every kind: from the real dispatcher, and from the core's builders over the built-in pack. */
const replies: Record<string, Reply> = {};

beforeAll(async () => {
  f = await makeFixture();
  Object.assign(
    replies,
    await realReplies(f, {
      platform: "discord",
      workspaceId: "G1",
      hostile: HOSTILE,
      revealNames: ["@everyone alice", "<@999> & bob"],
    }),
  );
  const cleanup = entry("cleanup-disk-space");
  pages(cleanup).forEach((_, i) => {
    replies[`cleanupPage${i}`] = pageReply(cleanup, i, false);
  });
});
afterAll(() => f.close());

describe("renderDiscord on real replies", () => {
  it("keeps every real reply within every Discord limit, with no live mention", () => {
    expect(Object.keys(replies).length).toBeGreaterThan(15);
    for (const [kind, r] of Object.entries(replies)) {
      const messages = check(r, kind);
      expect(messages, `${kind} fits one message`).toHaveLength(1);
      const ids = (r.buttons ?? []).map((b) => b.action);
      expect(customIds(messages), kind).toEqual([...new Set(ids)].slice(0, 25));
    }
  });

  it("lays an entry answer out as one card: title, summary and commands, a column per side, source footer", () => {
    const r = replies.entryEphemeral as Reply;
    const e0 = entry("volumes-vs-bind-mounts");
    const { m, e } = only(check(r, "entry"));
    expect(e.title).toBe(e0.title);
    expect(e.description).toBe(`${e0.summary}\n\n${(r.bullets ?? []).map((b) => `- ${b}`).join("\n")}`);
    const table = r.comparison;
    if (!table) throw new Error("no comparison");
    expect(e.fields).toEqual(
      table.sides.map((side, i) => ({
        name: side,
        value: table.rows.map((row) => `**${row.aspect}**\n${row.values[i]}`).join("\n"),
        inline: true,
      })),
    );
    expect(e.footer?.text).toMatch(/^Docker [\d.]+ · checked \d{4}-\d\d-\d\d · https:\/\/docs\.docker\.com\//);
    expect(e.footer?.text).toBe(r.context);
    // eight buttons (with "Remember this"): a row of five and a row of three; the share button is primary, the rest secondary
    expect(m.components.map((row) => row.components.length)).toEqual([5, 3]);
    const buttons = m.components.flatMap((row) => row.components);
    expect(buttons.map((b) => [labelOf(b), "custom_id" in b ? b.custom_id : ""])).toEqual(
      (r.buttons ?? []).map((b) => [b.label, b.action]),
    );
    expect(buttons.map((b) => b.style)).toEqual([
      ...Array.from({ length: 7 }, () => ButtonStyle.Secondary),
      ButtonStyle.Primary,
    ]);
    // visibility belongs to the adapter: a helper gives the flag, the payload carries none
    expect(JSON.stringify(m)).not.toMatch(/ephemeral|flags/i);
    expect(messageFlags(r)).toBe(MessageFlags.Ephemeral);
    expect(messageFlags(replies.answer as Reply)).toBeUndefined();
  });

  it("renders a built comparison of three entries as three inline columns", () => {
    const r = replies.built as Reply;
    const { e } = only(check(r, "built"));
    expect(e.title).toBe(r.header);
    expect(e.description).toBeUndefined();
    expect(e.fields?.map((x) => [x.name, x.inline])).toEqual(r.comparison?.sides.map((s) => [s, true]));
    expect(e.fields?.[1]?.value.split("\n").slice(2, 4)).toEqual(["**Key command**", r.comparison?.rows[1]?.values[1]]);
  });

  it("shows the quiz question with its lettered choices as a list, a footer and A-D buttons", () => {
    const r = replies.question as Reply;
    const { m, e } = only(check(r, "question"));
    expect(e.title).toMatch(/^Docker quiz: /);
    const lines = e.description?.split("\n") ?? [];
    expect(lines.slice(2)).toEqual((r.bullets ?? []).map((b) => `- ${b}`));
    expect(lines.slice(2).every((l) => /^- [A-D]\. /.test(l))).toBe(true);
    expect(e.footer?.text).toBe("2 answers so far · closes at 09:30 UTC · your first click counts");
    expect(m.components[0]?.components.map(labelOf)).toEqual(r.buttons?.map((b) => b.label));
  });

  it("neutralises the names of the people in a quiz reveal", () => {
    const { e } = only(check(replies.reveal as Reply, "reveal"));
    expect(e.footer?.text).toBe(`3 answers. 2 got it right: @${ZWSP}everyone alice, <${ZWSP}@999> & bob.`);
  });

  it("turns a Markdown table, which Discord cannot show, into a list, and keeps headings apart", () => {
    const all = Object.entries(replies).filter(([k]) => k.startsWith("cleanupPage"));
    const text = all.flatMap(([k, r]) => descriptions(check(r, k))).join("\n\n");
    expect(text).not.toMatch(/\|\s*-{3,}/);
    expect(text).toContain("**Command**: **Removes**\n- `docker container prune`: stopped containers\n");
    expect(text).toContain("- `docker builder prune`: dangling build cache; `-a`/`--all`: all unused build cache");
    // Discord renders a heading only at the start or after a blank line
    const lines = text.split("\n");
    const headings = lines.flatMap((line, i) => (/^#{1,3} /.test(line) ? [i] : []));
    expect(headings.length).toBeGreaterThan(2);
    for (const i of headings) expect(i === 0 || lines[i - 1] === "", lines[i]).toBe(true);
    // the code block stays a code block, untouched
    expect(text).toMatch(/```console\n\$ docker system df\nTYPE {12}TOTAL/);
  });

  it("never lets the question echoed back mention anyone", () => {
    for (const kind of ["none", "suggestions"]) {
      const r = replies[kind] as Reply;
      expect(r.text, kind).toContain("@everyone");
      const [d] = descriptions(check(r, kind));
      expect(d, kind).toContain(
        `@${ZWSP}everyone @${ZWSP}here <${ZWSP}@123> <${ZWSP}@!123> <${ZWSP}@&5> <${ZWSP}#1> <${ZWSP}/docker:42> @${ZWSP}EVERYONE`,
      );
    }
  });
});

describe("markdown", () => {
  it("keeps # to ### headings in descriptions with a blank line before, and makes the rest bold", () => {
    const md = "Intro\n## Section ##\ntext\n#### Small ###\n```\n# comment\n```\n#hashtag\n    # indented";
    expect(discordMarkdown(md, "description")).toBe(
      "Intro\n\n## Section\ntext\n**Small**\n```\n# comment\n```\n#hashtag\n    # indented",
    );
    expect(discordMarkdown(md, "field")).toBe(
      "Intro\n**Section**\ntext\n**Small**\n```\n# comment\n```\n#hashtag\n    # indented",
    );
  });

  it("turns a table into a bold header line and a list item per row, escaped pipes kept", () => {
    const md = "Before\n| A | B | C |\n|:--|--:|---|\n| `x \\| y` | 2 | |\n| one |\nAfter";
    expect(discordMarkdown(md, "field")).toBe("Before\n**A**: **B** · **C**\n- `x | y`: 2 · —\n- one\nAfter");
    // a line with pipes that is not followed by a delimiter row is only text
    expect(discordMarkdown("a | b\nc | d", "description")).toBe("a | b\nc | d");
  });

  it("neutralises @everyone, @here and mentions with an invisible space, and nothing else", () => {
    expect(neutraliseMentions("@everyone @Here <@1> <@!2> <@&3> <#4> </docker:5> a@b.c <@name> <#x> <:e:1>")).toBe(
      `@${ZWSP}everyone @${ZWSP}Here <${ZWSP}@1> <${ZWSP}@!2> <${ZWSP}@&3> <${ZWSP}#4> <${ZWSP}/docker:5> a@b.c <@name> <#x> <:e:1>`,
    );
  });
});

describe("limits", () => {
  it("cuts a long title and long button labels on a word with …, and escapes Markdown in the title", () => {
    const messages = check(
      reply({
        header: `${"Volumes_and_more ".repeat(30)}end`,
        buttons: [{ label: "Bind mounts ".repeat(10), action: "v1|entry|bind-mounts" }],
      }),
      "long labels",
    );
    const title = messages[0]?.embeds[0]?.title ?? "";
    expect(title).toMatch(/^Volumes\\_and\\_more Volumes.*more…$/);
    expect(title.length).toBeLessThanOrEqual(256);
    const first = messages[0]?.components[0]?.components[0];
    const label = (first && labelOf(first)) ?? "";
    expect(label).toMatch(/^(Bind mounts )+Bind…$/);
    expect(label.length).toBeLessThanOrEqual(80);
  });

  it("splits long text at paragraphs, then lines, then words, and cuts only words longer than a description", () => {
    const paragraph = (i: number) => `Paragraph ${i} ${"lorem ipsum dolor sit amet ".repeat(60).trim()}.`;
    const text = [...Array.from({ length: 12 }, (_, i) => paragraph(i)), `${"x".repeat(9000)} tail`].join("\n\n");
    const messages = check(reply({ header: "Long", text }), "long text");
    expect(messages.length).toBeGreaterThan(1);
    const parts = descriptions(messages);
    // whole paragraphs while they fit (each about 1,650 characters)
    for (const p of parts.slice(0, 3)) {
      expect(p).toMatch(/^Paragraph \d+ /);
      expect(p.endsWith("amet.")).toBe(true);
    }
    const cut = parts.filter((p) => p.endsWith("…"));
    expect(cut).toHaveLength(2);
    expect(parts.join("\n").replace(/…\n/g, "").replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));
  });

  it("splits long code into closed ``` blocks, each reopened, and breaks a ``` inside the code", () => {
    const code = Array.from({ length: 400 }, (_, i) => `echo "line ${i}" && docker ps --filter name=web`).join("\n");
    const messages = check(reply({ code: `${code}\necho \`\`\`` }), "code");
    const parts = descriptions(messages);
    expect(parts.length).toBeGreaterThan(4);
    for (const p of parts) {
      expect(p.startsWith("```\n")).toBe(true);
      expect(p.endsWith("\n```")).toBe(true);
      expect(p.match(/```/g)).toHaveLength(2);
    }
    expect(parts.map((p) => p.slice(4, -4)).join("\n")).toBe(`${code}\necho \`${ZWSP}\`${ZWSP}\``);
  });

  it("closes and reopens a fenced block of the text when it is split, language kept", () => {
    const body = Array.from({ length: 300 }, (_, i) => `RUN step ${i} && echo done`).join("\n");
    const parts = descriptions(
      check(reply({ text: `Intro.\n\n\`\`\`dockerfile\n${body}\n\`\`\`\n\nOutro.` }), "fenced"),
    );
    expect(parts[0]?.startsWith("Intro.\n\n```dockerfile\nRUN step 0")).toBe(true);
    for (const p of parts.slice(1)) expect(p.startsWith("```dockerfile\n")).toBe(true);
    for (const p of parts) expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    expect(parts.at(-1)?.endsWith("```\n\nOutro.")).toBe(true);
  });

  it("keeps the first 25 buttons in five rows of five, one per action id, on the last message", () => {
    const buttons: Button[] = Array.from({ length: 40 }, (_, i) => ({
      label: `Topic ${i}`,
      action: encodeAction({ kind: "topics", tag: "-", page: i }),
      ...(i === 3 ? { style: "danger" as const } : {}),
    }));
    buttons.splice(2, 0, { label: "Again", action: buttons[0]?.action ?? "" });
    const text = Array.from({ length: 30 }, () => "word ".repeat(700)).join("\n\n");
    const messages = check(reply({ text, buttons }), "buttons");
    expect(messages.length).toBeGreaterThan(1);
    const last = messages.at(-1) as DiscordMessage;
    expect(last.components.map((r) => r.components.length)).toEqual([5, 5, 5, 5, 5]);
    expect(customIds(messages)).toEqual(
      buttons
        .filter((b) => b.label !== "Again")
        .slice(0, 25)
        .map((b) => b.action),
    );
    expect(last.components[0]?.components[3]?.style).toBe(ButtonStyle.Danger);
  });

  it("refuses an action id Discord cannot take, instead of sending a button that does nothing", () => {
    expect(() => renderDiscord(reply({ text: "x", buttons: [{ label: "x", action: "v".repeat(101) }] }))).toThrow(
      RangeError,
    );
  });

  it("stacks a comparison when a column is too long, or when there are more than three sides", () => {
    const long = reply({
      comparison: {
        sides: ["Volume", "Bind mount"],
        rows: [
          { aspect: "Short", values: ["a", "b"] },
          { aspect: "Long", values: ["ok", "word ".repeat(400).trim()] },
        ],
      },
    });
    const { e } = only(check(long, "long cell"));
    expect(e.fields?.map((x) => [x.name, x.inline])).toEqual([
      ["Short", undefined],
      ["Long", undefined],
      ["Long (continued)", undefined],
    ]);
    expect(e.fields?.[0]?.value).toBe("**Volume**\na\n**Bind mount**\nb");
    expect(e.fields?.[1]?.value.startsWith("**Volume**\nok\n**Bind mount**\nword word")).toBe(true);
    const sides = ["A", "B", "C", "D"];
    const wide = reply({ comparison: { sides, rows: [{ aspect: "x", values: ["1", "2", "3", "4"] }] } });
    expect(only(check(wide, "wide")).e.fields).toEqual([
      { name: "x", value: "**A**\n1\n**B**\n2\n**C**\n3\n**D**\n4" },
    ]);
  });

  it("puts fields inline when short, splits a long value, and starts a new embed after 25 fields", () => {
    const fields = [
      { label: "Asked by", value: "alice" },
      { label: "Notes", value: "line one\nline two" },
      { label: "Log", value: "entry ".repeat(300).trim() },
      ...Array.from({ length: 30 }, (_, i) => ({ label: `F${i}`, value: `${i}` })),
    ];
    const messages = check(reply({ header: "Fields", fields }), "fields");
    const all = messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []));
    expect(all.slice(0, 5).map((x) => [x.name, x.inline])).toEqual([
      ["Asked by", true],
      ["Notes", undefined],
      ["Log", undefined],
      ["Log (continued)", undefined],
      ["F0", true],
    ]);
    expect(all).toHaveLength(34);
    expect(messages[0]?.embeds.map((e) => e.fields?.length)).toEqual([25, 9]);
  });

  it("moves a context too long for a footer into the description", () => {
    const context = "source ".repeat(400).trim();
    const [m, ...more] = check(reply({ text: "Body", context }), "context");
    expect(more).toHaveLength(0);
    expect(m?.embeds).toEqual([
      { color: 0x1d63ed, description: "Body" },
      { color: 0x1d63ed, description: context },
    ]);
  });

  it("renders an empty reply as one message with the fallback as content", () => {
    expect(renderDiscord(reply({}))).toEqual([
      { content: "(empty reply)", embeds: [], components: [], allowedMentions: { parse: [] } },
    ]);
    const [m] = check(reply({ buttons: [{ label: "Go", action: "v1|entry|x" }], fallback: "@here pick" }), "buttons");
    expect(m?.content).toBe(`@${ZWSP}here pick`);
    expect(customIds(renderDiscord(reply({ buttons: [{ label: "Go", action: "v1|entry|x" }] })))).toEqual([
      "v1|entry|x",
    ]);
  });

  it("renders every part of a reply", () => {
    const r: Reply = {
      header: "Volumes vs bind mounts",
      text: "Use a **volume** for data Docker manages.\n### How\n- `docker volume ls`",
      fields: [{ label: "Asked by", value: "<@1> @here" }],
      comparison: { sides: ["Volume", "Bind mount"], rows: [{ aspect: "Managed by", values: ["Docker", "you"] }] },
      code: 'docker run -v data:/data alpine sh -c "ls > /dev/null"',
      bullets: ["`docker volume prune`: removes unused volumes"],
      context: "Docker 27 · see `docker volume --help` · https://docs.docker.com/engine/storage/",
      buttons: [
        { label: "Share in channel", action: "v1|share|volumes", style: "primary" },
        { label: "👎", action: "v1|vote|3|down" },
      ],
      visibility: "ephemeral",
      replaceOriginal: true,
      fallback: "Volumes vs bind mounts",
    };
    expect(check(r, "every part")).toEqual([
      {
        embeds: [
          {
            color: 0x1d63ed,
            title: "Volumes vs bind mounts",
            description:
              "Use a **volume** for data Docker manages.\n\n### How\n- `docker volume ls`\n\n" +
              '```\ndocker run -v data:/data alpine sh -c "ls > /dev/null"\n```\n\n' +
              "- `docker volume prune`: removes unused volumes",
            fields: [
              { name: "Volume", value: "**Managed by**\nDocker", inline: true },
              { name: "Bind mount", value: "**Managed by**\nyou", inline: true },
              { name: "Asked by", value: `<${ZWSP}@1> @${ZWSP}here`, inline: true },
            ],
            footer: { text: "Docker 27 · see docker volume --help · https://docs.docker.com/engine/storage/" },
          },
        ],
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.Button,
                style: ButtonStyle.Primary,
                label: "Share in channel",
                custom_id: "v1|share|volumes",
              },
              { type: ComponentType.Button, style: ButtonStyle.Secondary, label: "👎", custom_id: "v1|vote|3|down" },
            ],
          },
        ],
        allowedMentions: { parse: [] },
      },
    ]);
  });
});

describe("autocompleteChoice", () => {
  it("keeps short choices and cuts long ones on a word with …", () => {
    expect(autocompleteChoice("Volumes vs bind mounts", "volumes-vs-bind-mounts")).toEqual({
      name: "Volumes vs bind mounts",
      value: "volumes-vs-bind-mounts",
    });
    const long = "how do I publish a port from a container to the host when ".repeat(3);
    const c = autocompleteChoice(long, long);
    expect(c.name.length).toBeLessThanOrEqual(100);
    expect(c.value.length).toBeLessThanOrEqual(100);
    expect(c.name).toMatch(/^how do I publish .* [a-z]+…$/);
    expect(long.startsWith(c.name.slice(0, -1))).toBe(true);
    expect(autocompleteChoice("  ", "x")).toEqual({ name: "x", value: "x" });
  });
});

describe("properties", () => {
  const tokens = [
    ...INJECTIONS,
    "@@everyone",
    "@",
    "everyone",
    "<",
    ">",
    "<@",
    "123>",
    "*",
    "**",
    "_",
    "~~",
    "||",
    "`",
    "```",
    "```sh\n",
    "\n```\n",
    "[docs](https://docs.docker.com/a)",
    "https://docs.docker.com/b",
    "# ",
    "\n## ",
    "\n#### ",
    "> ",
    "- ",
    "1. ",
    "-# ",
    "|",
    "\n| a | b |\n|---|---|\n| c | d |\n",
    "\\",
    "\n",
    "\n\n",
    " ",
    "    ",
    ":whale:",
    "😀",
    "👩‍👩‍👧",
    "é",
    "中文",
    "\u200b",
    "\r\n",
  ];
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("x", "@", "<", "é", "😀", "`"), maxLength: 5000 }) },
  );
  const messy = (maxTokens: number) => fc.array(token, { maxLength: maxTokens, size: "max" }).map((t) => t.join(""));
  const anyText = (maxLength: number) =>
    fc.oneof(
      messy(Math.max(1, Math.floor(maxLength / 20))).map((s) => s.slice(0, maxLength)),
      fc.string({ unit: "grapheme", maxLength, size: "max" }),
    );
  const action = fc
    .tuple(fc.constantFrom("entry", "more", "share", "topics"), fc.stringMatching(/^[a-z0-9-]{1,90}$/))
    .map(([kind, id]) => `v1|${kind}|${id}`.slice(0, 100));
  const anyButton: fc.Arbitrary<Button> = fc.record(
    {
      label: fc.oneof(anyText(20), anyText(200)),
      action: fc.oneof(action, fc.constantFrom("v1|entry|docker-run", "v1|more|docker-run")),
      style: fc.constantFrom("primary", "danger"),
    },
    { requiredKeys: ["label", "action"] },
  );
  const anyTable = fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      sides: fc.array(anyText(300), { minLength: n, maxLength: n }),
      rows: fc.array(
        fc.record({
          aspect: anyText(300),
          values: fc.array(anyText(2500), { minLength: 0, maxLength: n + 1 }),
        }),
        { maxLength: 8, size: "max" },
      ),
    }),
  );
  const anyReply: fc.Arbitrary<Reply> = fc.record(
    {
      header: anyText(400),
      text: anyText(20000),
      fields: fc.array(fc.record({ label: anyText(300), value: anyText(2500) }), { maxLength: 40, size: "max" }),
      comparison: anyTable,
      code: anyText(9000),
      bullets: fc.array(anyText(400), { maxLength: 100, size: "max" }),
      buttons: fc.array(anyButton, { maxLength: 40, size: "max" }),
      context: anyText(4000),
      visibility: fc.constantFrom("channel", "ephemeral"),
      fallback: anyText(5000),
      replaceOriginal: fc.boolean(),
    },
    { requiredKeys: ["visibility", "fallback"] },
  );

  it("renders any reply within every limit, with no live mention, and the buttons' action ids as custom_ids", () => {
    fc.assert(
      fc.property(anyReply, (r) => {
        const messages = check(r, "arbitrary");
        const ids = (r.buttons ?? []).map((b) => b.action);
        expect(customIds(messages)).toEqual([...new Set(ids)].slice(0, DISCORD_LIMITS.actionRows * 5));
        // only Discord's own syntax may reach it: the JSON has no lone surrogate
        expect(JSON.stringify(messages)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
      }),
      { numRuns: 150, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
  }, 240_000);

  /** The text of descriptions, field values and footers in order, a cut word ("…" at a chunk's end) joined again. */
  function shown(messages: DiscordMessage[]): string {
    let out = "";
    for (const e of messages.flatMap((m) => m.embeds)) {
      for (const t of [e.description, ...(e.fields ?? []).map((x) => x.value), e.footer?.text]) {
        if (t === undefined) continue;
        out = out.endsWith("…") ? out.slice(0, -1) + t : `${out} ${t}`;
      }
    }
    return out.replace(/\s+/g, " ");
  }

  it("loses no word: every word of text, bullets, fields, cells and context appears, in order", () => {
    fc.assert(
      fc.property(wordyReply, ({ reply: r, text, bullets, fields, rows, context }) => {
        const messages = check(r, "words");
        const out = shown(messages);
        for (const p of [text, ...bullets, ...fields.map(([, v]) => v), ...rows.flatMap(([, x, y]) => [x, y])]) {
          expect(out).toContain(p.words.join(" "));
        }
        expect(out).toContain(context.words.join(" "));
        const names = messages
          .flatMap((m) => m.embeds.flatMap((e) => (e.fields ?? []).map((x) => x.name)))
          .join(" ")
          .replace(/\s+/g, " ");
        // a label is a field name, cut at 256 characters with "…": whole when shorter
        for (const [l] of fields) if (l.text.length <= 200) expect(names).toContain(l.words.join(" "));
      }),
      { numRuns: 60, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
  }, 240_000);

  it("loses no word of a 10,000-character text", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `w${i}${i % 37 === 0 ? "\n\n" : " "}`).join("");
    expect(text.length).toBeGreaterThan(10_000);
    const out = shown(check(reply({ text }), "10k"));
    const padded = ` ${out.trim()} `;
    for (const w of text.split(/\s+/).filter(Boolean)) expect(padded).toContain(` ${w} `);
    expect(out.trim()).toBe(text.replace(/\s+/g, " ").trim());
  });
});
