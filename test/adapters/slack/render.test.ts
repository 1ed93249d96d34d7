import type { types as Slack } from "@slack/bolt";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeSlack, renderSlack, SLACK_LIMITS, type SlackMessage } from "../../../src/adapters/slack/render.ts";
import { encodeAction } from "../../../src/core/actions.ts";
import { type Button, type Reply, reply } from "../../../src/core/reply.ts";
import { type Fixture, makeFixture } from "../../core/fixture.ts";
import { wordyReply } from "../prose.ts";
import { realReplies } from "../real-replies.ts";

const WJ = "\u2060";

/** Every text object of a message, with where it sits: mrkdwn (parsed by Slack) or plain_text. */
function texts(m: SlackMessage): { type: "mrkdwn" | "plain_text"; text: string; where: string }[] {
  const out: { type: "mrkdwn" | "plain_text"; text: string; where: string }[] = [];
  const add = (t: Slack.TextObject | Slack.ImageElement | undefined, where: string) => {
    if (t && (t.type === "mrkdwn" || t.type === "plain_text")) out.push({ type: t.type, text: t.text, where });
  };
  m.blocks.forEach((b, i) => {
    if (b.type === "header") add(b.text, `${i}:header`);
    if (b.type === "section") {
      add(b.text, `${i}:section`);
      for (const f of b.fields ?? []) add(f, `${i}:field`);
    }
    if (b.type === "context") for (const e of b.elements) add(e as Slack.TextObject, `${i}:context`);
    if (b.type === "actions") for (const e of b.elements) if (e.type === "button") add(e.text, `${i}:button`);
  });
  return out;
}

const ALLOWED_LINK = /^<(?:https?:\/\/|mailto:)[^\s<>|]+(?:\|[^<>]*)?>/;

/** Fails with a precise message when a message breaks a Block Kit limit or lets a mention or a stray `<` through. */
function checkMessage(m: SlackMessage, label: string): void {
  const where = (w: string) => `${label} ${w}`;
  expect(m.blocks.length, where("blocks")).toBeGreaterThan(0);
  expect(m.blocks.length, where("blocks")).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  expect(m.text.trim().length, where("text")).toBeGreaterThan(0);
  expect(m.text.length, where("text")).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  expect(m.text, where("text is escaped")).not.toMatch(/[<>]/);
  for (const [i, b] of m.blocks.entries()) {
    const at = where(`block ${i} (${b.type})`);
    if (b.type === "header") {
      expect(b.text.type, at).toBe("plain_text");
      expect(b.text.text.length, at).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    } else if (b.type === "section") {
      expect(b.text !== undefined || (b.fields?.length ?? 0) > 0, at).toBe(true);
      if (b.text) expect(b.text.text.length, at).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(b.fields?.length ?? 0, at).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
      for (const f of b.fields ?? []) expect(f.text.length, at).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    } else if (b.type === "context") {
      expect(b.elements.length, at).toBeGreaterThan(0);
      expect(b.elements.length, at).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
      for (const e of b.elements) {
        expect(e.type, at).toBe("mrkdwn");
        expect((e as Slack.MrkdwnElement).text.length, at).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
    } else if (b.type === "actions") {
      expect(b.elements.length, at).toBeGreaterThan(0);
      expect(b.elements.length, at).toBeLessThanOrEqual(SLACK_LIMITS.elementsPerActions);
      const ids = b.elements.map((e) => (e as Slack.Button).action_id);
      expect(new Set(ids).size, `${at}: action ids are unique in a block`).toBe(ids.length);
      for (const e of b.elements as Slack.Button[]) {
        expect(e.type, at).toBe("button");
        expect(e.text.text.length, at).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
        expect(e.action_id?.length ?? 0, at).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
        expect(e.value?.length ?? 0, at).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
        expect(e.value, at).toBe(e.action_id);
      }
    } else throw new Error(`${at}: unexpected block type`);
  }
  for (const t of texts(m)) {
    const at = where(`${t.where}: ${JSON.stringify(t.text.slice(0, 80))}`);
    expect(t.text.trim().length, `${at} is not empty`).toBeGreaterThan(0);
    if (t.type === "plain_text") {
      // plain_text is not parsed, and every `<` in it is followed by an invisible word joiner anyway
      expect(t.text.replaceAll(`<${WJ}`, ""), at).not.toContain("<");
      continue;
    }
    expect((t as { verbatim?: boolean }).verbatim ?? true, at).toBe(true);
    // In mrkdwn the only raw `<` allowed opens a http(s)/mailto link, the only raw `>` closes one.
    let rest = t.text;
    for (let i = rest.indexOf("<"); i >= 0; i = rest.indexOf("<")) {
      const link = ALLOWED_LINK.exec(rest.slice(i));
      expect(link, `${at}: stray < at ${JSON.stringify(rest.slice(i, i + 40))}`).not.toBeNull();
      rest = rest.slice(0, i) + rest.slice(i + (link?.[0].length ?? 1));
    }
    expect(rest, `${at}: stray >`).not.toContain(">");
  }
  const json = JSON.stringify(m);
  for (const bad of ["<!", "<@", "<#"]) expect(json, where(`contains ${bad}`)).not.toContain(bad);
}

function check(r: Reply, label: string): SlackMessage[] {
  const messages = renderSlack(r);
  expect(messages.length, label).toBeGreaterThan(0);
  for (const [i, m] of messages.entries()) checkMessage(m, `${label} message ${i + 1}/${messages.length}`);
  return messages;
}

/** The `<http…>` links in the mrkdwn of a rendered reply. */
function links(messages: SlackMessage[]): string[] {
  return messages.flatMap((m) =>
    texts(m).flatMap((t) => (t.type === "mrkdwn" ? t.text.match(/<https?:[^>]*>/g) : []) ?? []),
  );
}

const decode = (s: string) => s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/**
 * A link whose text is its own address, as Markdown makes of a bare URL (Slack links those itself):
 * it hides nothing, unlike a typed `<https://evil|docs>`.
 */
function honest(link: string): boolean {
  const body = link.slice(1, -1);
  const bar = body.indexOf("|");
  const url = bar < 0 ? body : body.slice(0, bar);
  const text = bar < 0 ? body : body.slice(bar + 1);
  let shown = decode(text);
  let target = decode(url);
  try {
    target = decodeURI(target);
    shown = decodeURI(shown);
  } catch {}
  return [shown, `http://${shown}`, `mailto:${shown}`].includes(target);
}

/** Links that show something else than where they lead, and do not come from the pack. */
function deceptive(messages: SlackMessage[]): string[] {
  return links(messages).filter((l) => !honest(l) && !l.startsWith("<https://docs.docker.com/"));
}

const types = (m: SlackMessage) => m.blocks.map((b) => b.type);
const buttonsOf = (messages: SlackMessage[]) =>
  messages.flatMap((m) => m.blocks.flatMap((b) => (b.type === "actions" ? (b.elements as Slack.Button[]) : [])));
const sectionTexts = (m: SlackMessage) =>
  m.blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));

const INJECTIONS = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U123>",
  "<@U123|bob>",
  "<#C1>",
  "<#C1|general>",
  "<!subteam^S1>",
  "<https://evil.example|click here>",
  "<http://evil.example>",
];
const HOSTILE = INJECTIONS.join(" ");

let f: Fixture;
/** Real replies of every kind: from the real dispatcher, and from the core's builders over the built-in pack. */
const replies: Record<string, Reply> = {};

beforeAll(async () => {
  f = await makeFixture();
  Object.assign(
    replies,
    await realReplies(f, { platform: "slack", hostile: HOSTILE, revealNames: ["<!channel> alice", "<@U999> & bob"] }),
  );
});
afterAll(() => f.close());

describe("renderSlack on real replies", () => {
  it("keeps every real reply within every Block Kit limit, with no mention or stray < or >", () => {
    expect(Object.keys(replies).length).toBeGreaterThan(15);
    for (const [kind, r] of Object.entries(replies)) check(r, kind);
  });

  it("lays an entry answer out as header, summary, comparison, commands, source line and buttons", () => {
    const r = replies.entryEphemeral as Reply;
    const [m, ...more] = check(r, "entry");
    expect(more).toHaveLength(0);
    if (!m) throw new Error("no message");
    const rows = r.comparison?.rows.length ?? 0;
    expect(types(m)).toEqual([
      "header",
      "section",
      ...Array.from({ length: rows }, () => "section"),
      "section",
      "context",
      "actions",
    ]);
    expect(m.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: r.header, emoji: true } });
    // one section per aspect: the aspect in bold, then one "*Side*\nvalue" field per side
    const first = m.blocks[2] as Slack.SectionBlock;
    const table = r.comparison;
    if (!table) throw new Error("no comparison");
    expect(first.text?.text).toBe(`*${table.rows[0]?.aspect}*`);
    expect(first.fields?.map((x) => x.text.split("\n")[0])).toEqual(table.sides.map((s) => `*${s}*`));
    // command bullets as "• " lines with the command as inline code
    const bullets = (m.blocks[2 + rows] as Slack.SectionBlock).text?.text.split("\n") ?? [];
    expect(bullets).toHaveLength(r.bullets?.length ?? 0);
    for (const line of bullets) expect(line).toMatch(/^• `[^`]+`: /);
    // the source line keeps its docs.docker.com link
    const context = (m.blocks[3 + rows] as Slack.ContextBlock).elements[0] as Slack.MrkdwnElement;
    expect(context.text).toMatch(/^Docker .* · checked .* · <https:\/\/docs\.docker\.com\/[^|>]*\|https:\/\/docs/);
    // the buttons: the core's action ids as action_id and value, style passed through
    const buttons = buttonsOf([m]);
    expect(buttons.map((b) => [b.text.text, b.action_id, b.value, b.style])).toEqual(
      (r.buttons ?? []).map((b) => [b.label, b.action, b.action, b.style]),
    );
    expect(buttons.at(-1)?.style).toBe("primary");
    expect(m.text).toBe(escapeSlack(r.fallback));
    // visibility and replaceOriginal belong to the adapter, not to the blocks
    expect(JSON.stringify(m)).not.toMatch(/ephemeral|replace_original|response_type/);
  });

  it("renders a built comparison with three sides as fields under each aspect", () => {
    const r = replies.built as Reply;
    const [m] = check(r, "built");
    if (!m) throw new Error("no message");
    expect(types(m)).toEqual(["header", "section", "section", "section", "section", "context", "actions"]);
    const keyCommand = m.blocks[2] as Slack.SectionBlock;
    expect(keyCommand.text?.text).toBe("*Key command*");
    expect(keyCommand.fields).toHaveLength(3);
    for (const [i, field] of (keyCommand.fields ?? []).entries()) {
      expect(field.text).toBe(`*${r.comparison?.sides[i]}*\n${r.comparison?.rows[1]?.values[i]}`);
    }
  });

  it("shows the quiz question as a header, the question, lettered choices, a context line and A-D buttons", () => {
    const [m] = check(replies.question as Reply, "question");
    if (!m) throw new Error("no message");
    expect(types(m)).toEqual(["header", "section", "section", "context", "actions"]);
    expect(
      sectionTexts(m)[1]
        ?.split("\n")
        .every((l) => /^• [A-D]\. /.test(l)),
    ).toBe(true);
    expect(buttonsOf([m]).map((b) => [b.text.text, b.action_id])).toEqual(
      (replies.question?.buttons ?? []).map((b) => [b.label, b.action]),
    );
    expect((m.blocks[3] as Slack.ContextBlock).elements[0]).toEqual({
      type: "mrkdwn",
      text: "2 answers so far · closes at 09:30 UTC · your first click counts",
      verbatim: true,
    });
  });

  it("escapes the names of the people in a quiz reveal", () => {
    const [m] = check(replies.reveal as Reply, "reveal");
    if (!m) throw new Error("no message");
    const context = (m.blocks.find((b) => b.type === "context") as Slack.ContextBlock).elements[0];
    expect((context as Slack.MrkdwnElement).text).toBe(
      "3 answers. 2 got it right: `&lt;!channel&gt; alice`, `&lt;@U999&gt; &amp; bob`.",
    );
  });

  it("lays the topic browser out as text and one actions block of tag buttons", () => {
    const r = replies.topicsPage as Reply;
    const [m] = check(r, "topics");
    if (!m) throw new Error("no message");
    expect(types(m)).toEqual(["header", "section", "actions"]);
    expect(buttonsOf([m])).toHaveLength(r.buttons?.length ?? 0);
    expect(sectionTexts(m)[0]).toMatch(/Pick a tag, or type `\/docker topics &lt;tag&gt;`\.$/);
    const [tagged] = check(replies.topicsTag as Reply, "topics storage");
    // the pack's *Title* is Markdown emphasis, which Slack writes with underscores
    expect(sectionTexts(tagged as SlackMessage)[0]?.split("\n")[0]).toMatch(/^• \u200b_[^_]+_\u200b: /);
  });

  it("never lets a user's mention or fake link through when the question is echoed back", () => {
    for (const kind of ["none", "suggestions"]) {
      const r = replies[kind] as Reply;
      expect(r.text, kind).toContain("<!channel>");
      const messages = check(r, kind);
      const json = JSON.stringify(messages);
      for (const bad of ["<!", "<@", "<#"]) expect(json, kind).not.toContain(bad);
      expect(
        links(messages).filter((l) => !honest(l)),
        kind,
      ).toEqual([]);
      const text = sectionTexts(messages[0] as SlackMessage).join("\n");
      expect(text, kind).toContain(
        "&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U123&gt; &lt;@U123|bob&gt; &lt;#C1&gt;",
      );
      expect(text, kind).toContain("&lt;https://evil.example|click here&gt;");
      expect(messages[0]?.text, kind).toContain("&lt;!channel&gt;");
    }
  });

  it("keeps the pack's links, and no link that shows something else than where it leads", () => {
    for (const [kind, r] of Object.entries(replies)) expect(deceptive(renderSlack(r)), kind).toEqual([]);
    const pack = links(renderSlack(replies.answer as Reply));
    expect(pack.length).toBeGreaterThan(0);
    for (const link of pack) expect(link).toMatch(/^<https:\/\/docs\.docker\.com\//);
  });
});

describe("escaping", () => {
  it("escapes &, < and > and nothing else", () => {
    expect(escapeSlack("<!channel> & <@U1> > *x* 'q' \"d\"")).toBe(
      "&lt;!channel&gt; &amp; &lt;@U1&gt; &gt; *x* 'q' \"d\"",
    );
  });

  it("escapes once: slackify-markdown decodes the entities and escapes them again itself", () => {
    const [m] = check(reply({ text: "a & b, a &amp; b, 1 < 2 > 0, &lt;!here&gt;, `x && y < z`" }), "once");
    expect(sectionTexts(m as SlackMessage)).toEqual([
      "a &amp; b, a &amp;amp; b, 1 &lt; 2 &gt; 0, &amp;lt;!here&amp;gt;, `x &amp;&amp; y &lt; z`",
    ]);
  });

  it("turns Markdown links into Slack links but user-typed Slack links into text", () => {
    const [m] = check(
      reply({ text: "See [the docs](https://docs.docker.com/engine/) or <https://evil.example|the docs>." }),
      "links",
    );
    expect(sectionTexts(m as SlackMessage)).toEqual([
      "See <https://docs.docker.com/engine/|the docs> or &lt;https://evil.example|the docs&gt;.",
    ]);
  });

  it("escapes mentions everywhere a reply has text, and breaks them in plain_text with a word joiner", () => {
    const r: Reply = {
      header: HOSTILE,
      text: HOSTILE,
      fields: [{ label: HOSTILE, value: HOSTILE }],
      comparison: { sides: [HOSTILE, "b"], rows: [{ aspect: HOSTILE, values: [HOSTILE, HOSTILE] }] },
      code: HOSTILE,
      bullets: [HOSTILE],
      context: HOSTILE,
      buttons: [{ label: "<!here>", action: "v1|entry|docker-run" }],
      visibility: "channel",
      fallback: HOSTILE,
    };
    const messages = check(r, "hostile");
    expect(deceptive(messages)).toEqual([]);
    const [m] = messages;
    if (!m) throw new Error("no message");
    expect(m.blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/^<\u2060!channel> <\u2060!here>/) } });
    expect(buttonsOf(messages)[0]?.text.text).toBe(`<${WJ}!here>`);
    expect(m.text.startsWith("&lt;!channel&gt; &lt;!here&gt;")).toBe(true);
  });
});

describe("limits", () => {
  it("truncates a long header and long button labels with …", () => {
    const messages = check(
      reply({
        header: `${"Volumes ".repeat(30)}end`,
        buttons: [{ label: "Bind mounts ".repeat(10), action: "v1|entry|bind-mounts" }],
      }),
      "long labels",
    );
    const header = (messages[0]?.blocks[0] as Slack.HeaderBlock | undefined)?.text.text ?? "";
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header).toMatch(/^Volumes Volumes .*Volumes…$/);
    const label = buttonsOf(messages)[0]?.text.text ?? "";
    expect(label).toMatch(/^Bind mounts .*mounts…$/);
    expect(label.length).toBeLessThanOrEqual(75);
  });

  it("splits long text at paragraphs, then lines, then words, and cuts only words longer than a section", () => {
    const paragraph = (i: number) => `Paragraph ${i} ${"lorem ipsum dolor sit amet ".repeat(40).trim()}.`;
    const text = [...Array.from({ length: 6 }, (_, i) => paragraph(i)), `${"x".repeat(7000)} tail`].join("\n\n");
    const [m] = check(reply({ text }), "long text");
    const sections = sectionTexts(m as SlackMessage);
    // whole paragraphs while they fit (each is about 1,100 characters: two to a section)
    expect(sections[0]?.startsWith("Paragraph 0 ")).toBe(true);
    expect(sections[0]?.endsWith("amet.")).toBe(true);
    expect(sections[1]?.startsWith("Paragraph 2 ")).toBe(true);
    const cut = sections.filter((s) => s.endsWith("…"));
    expect(cut).toHaveLength(2);
    expect(sections.join("\n").replace(/…\n/g, "").replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));
  });

  it("splits long code into several closed ``` blocks", () => {
    const code = Array.from({ length: 400 }, (_, i) => `echo "line ${i}" && docker ps --filter name=web`).join("\n");
    const [m] = check(reply({ code }), "code");
    const sections = sectionTexts(m as SlackMessage);
    expect(sections.length).toBeGreaterThan(5);
    for (const s of sections) {
      expect(s.startsWith("```\n")).toBe(true);
      expect(s.endsWith("\n```")).toBe(true);
    }
    expect(sections.map((s) => s.slice(4, -4)).join("\n")).toBe(escapeSlack(code));
  });

  it("splits a reply of more than 50 blocks into messages, buttons in the last", () => {
    const paragraphs = Array.from({ length: 70 }, (_, i) => `${i} ${"word ".repeat(560)}`).join("\n\n");
    const r = reply({ header: "Long", text: paragraphs, buttons: [{ label: "More", action: "v1|more|docker-run" }] });
    const messages = check(r, "many blocks");
    expect(messages).toHaveLength(2);
    expect(messages[0]?.blocks).toHaveLength(50);
    expect(types(messages[0] as SlackMessage)[0]).toBe("header");
    expect(types(messages[1] as SlackMessage)).not.toContain("header");
    expect(types(messages[1] as SlackMessage).at(-1)).toBe("actions");
    expect(messages[1]?.text).toBe("Long (2/2)");
  });

  it("puts 60 buttons into actions blocks of at most 25, and equal action ids into different blocks", () => {
    const buttons: Button[] = Array.from({ length: 60 }, (_, i) => ({
      label: `Topic ${i}`,
      action: encodeAction({ kind: "topics", tag: "-", page: i }),
    }));
    buttons.push({ label: "Again", action: buttons[59]?.action ?? "" });
    const messages = check(reply({ text: "Pick one", buttons }), "buttons");
    const blocks = messages.flatMap((m) => m.blocks.filter((b) => b.type === "actions")) as Slack.ActionsBlock[];
    expect(blocks.map((b) => b.elements.length)).toEqual([25, 25, 10, 1]);
    expect(buttonsOf(messages).map((b) => b.action_id)).toEqual(buttons.map((b) => b.action));
  });

  it("keeps a comparison of many sides to ten fields a section and moves an over-long cell to sections", () => {
    const sides = Array.from({ length: 12 }, (_, i) => `Side ${i}`);
    const r = reply({
      comparison: {
        sides,
        rows: [
          { aspect: "Short", values: sides.map((s) => `${s} value`) },
          { aspect: "Long", values: ["ok", "word ".repeat(500)] },
        ],
      },
    });
    const [m] = check(r, "wide");
    if (!m) throw new Error("no message");
    const s = m.blocks as Slack.SectionBlock[];
    expect(s.map((b) => [b.text?.text, b.fields?.length])).toEqual([
      ["*Short*", 10],
      [undefined, 2],
      ["*Long*", 1],
      [expect.stringMatching(/^\*Side 1\*\nword word/), undefined],
      [undefined, 10],
    ]);
  });

  it("renders an empty reply as its fallback", () => {
    const [m] = check(reply({}), "empty");
    expect(m).toEqual({
      text: "(empty reply)",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "(empty reply)", verbatim: true } }],
    });
  });

  it("renders every part of a reply (snapshot)", () => {
    const r: Reply = {
      header: "Volumes vs bind mounts",
      text: "Use a **volume** for data Docker manages; a [bind mount](https://docs.docker.com/engine/storage/bind-mounts/) for files you edit.\n\n- `docker volume ls`\n- `-v ./src:/app`",
      fields: [{ label: "Asked by", value: "<@U1> & <!here>" }],
      comparison: { sides: ["Volume", "Bind mount"], rows: [{ aspect: "Managed by", values: ["Docker", "you"] }] },
      code: 'docker run -v data:/data alpine sh -c "ls > /dev/null"',
      bullets: ["`docker volume prune`: removes unused volumes"],
      context: "Docker 27 · https://docs.docker.com/engine/storage/",
      buttons: [
        { label: "Share in channel", action: "v1|share|volumes", style: "primary" },
        { label: "👎", action: "v1|vote|3|down" },
      ],
      visibility: "ephemeral",
      replaceOriginal: true,
      fallback: "Volumes vs bind mounts: use a volume <unless> you edit the files",
    };
    expect(check(r, "snapshot")).toMatchInlineSnapshot(`
      [
        {
          "blocks": [
            {
              "text": {
                "emoji": true,
                "text": "Volumes vs bind mounts",
                "type": "plain_text",
              },
              "type": "header",
            },
            {
              "text": {
                "text": "Use a ​*volume*​ for data Docker manages; a <https://docs.docker.com/engine/storage/bind-mounts/|bind mount> for files you edit.

      •   \`docker volume ls\`
      •   \`-v ./src:/app\`",
                "type": "mrkdwn",
                "verbatim": true,
              },
              "type": "section",
            },
            {
              "fields": [
                {
                  "text": "*Volume*
      Docker",
                  "type": "mrkdwn",
                  "verbatim": true,
                },
                {
                  "text": "*Bind mount*
      you",
                  "type": "mrkdwn",
                  "verbatim": true,
                },
              ],
              "text": {
                "text": "*Managed by*",
                "type": "mrkdwn",
                "verbatim": true,
              },
              "type": "section",
            },
            {
              "fields": [
                {
                  "text": "*Asked by*
      &lt;@U1&gt; &amp; &lt;!here&gt;",
                  "type": "mrkdwn",
                  "verbatim": true,
                },
              ],
              "type": "section",
            },
            {
              "text": {
                "text": "\`\`\`
      docker run -v data:/data alpine sh -c "ls &gt; /dev/null"
      \`\`\`",
                "type": "mrkdwn",
                "verbatim": true,
              },
              "type": "section",
            },
            {
              "text": {
                "text": "• \`docker volume prune\`: removes unused volumes",
                "type": "mrkdwn",
                "verbatim": true,
              },
              "type": "section",
            },
            {
              "elements": [
                {
                  "text": "Docker 27 · <https://docs.docker.com/engine/storage/|https://docs.docker.com/engine/storage/>",
                  "type": "mrkdwn",
                  "verbatim": true,
                },
              ],
              "type": "context",
            },
            {
              "elements": [
                {
                  "action_id": "v1|share|volumes",
                  "style": "primary",
                  "text": {
                    "emoji": true,
                    "text": "Share in channel",
                    "type": "plain_text",
                  },
                  "type": "button",
                  "value": "v1|share|volumes",
                },
                {
                  "action_id": "v1|vote|3|down",
                  "text": {
                    "emoji": true,
                    "text": "👎",
                    "type": "plain_text",
                  },
                  "type": "button",
                  "value": "v1|vote|3|down",
                },
              ],
              "type": "actions",
            },
          ],
          "text": "Volumes vs bind mounts: use a volume &lt;unless&gt; you edit the files",
        },
      ]
    `);
  });
});

describe("properties", () => {
  const tokens = [
    ...INJECTIONS,
    "&lt;!channel&gt;",
    "&amp;",
    "&",
    "<",
    ">",
    "*",
    "**",
    "_",
    "~",
    "`",
    "```",
    "[docs](https://docs.docker.com/a)",
    "[evil](javascript:alert(1))",
    "https://docs.docker.com/b",
    "www.example.com",
    "a@b.example",
    "# ",
    "> ",
    "- ",
    "1. ",
    "|",
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
    "\u2060",
  ];
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("x", "&", "<", "é", "😀"), maxLength: 4000 }) },
  );
  const messy = (maxTokens: number) => fc.array(token, { maxLength: maxTokens, size: "max" }).map((t) => t.join(""));
  const anyText = (maxLength: number) =>
    fc.oneof(
      messy(Math.max(1, Math.floor(maxLength / 20))).map((s) => s.slice(0, maxLength)),
      fc.string({ unit: "grapheme", maxLength, size: "max" }),
    );
  const action = fc
    .tuple(fc.constantFrom("entry", "more", "share", "topics"), fc.stringMatching(/^[a-z0-9-]{1,40}$/))
    .map(([kind, id]) => `v1|${kind}|${id}`);
  const anyButton: fc.Arbitrary<Button> = fc.record(
    {
      label: fc.oneof(anyText(20), anyText(200)),
      action: fc.oneof(action, fc.constantFrom("v1|entry|docker-run", "v1|more|docker-run")),
      style: fc.constantFrom("primary", "danger"),
    },
    { requiredKeys: ["label", "action"] },
  );
  const anyTable = fc.integer({ min: 2, max: 3 }).chain((n) =>
    fc.record({
      sides: fc.array(anyText(80), { minLength: n, maxLength: n }),
      rows: fc.array(
        fc.record({ aspect: anyText(80), values: fc.array(anyText(2500), { minLength: n, maxLength: n }) }),
        {
          maxLength: 6,
          size: "max",
        },
      ),
    }),
  );
  const anyReply: fc.Arbitrary<Reply> = fc.record(
    {
      header: anyText(400),
      text: anyText(20000),
      fields: fc.array(fc.record({ label: anyText(60), value: anyText(2500) }), { maxLength: 14, size: "max" }),
      comparison: anyTable,
      code: anyText(4000),
      bullets: fc.array(anyText(400), { maxLength: 100, size: "max" }),
      buttons: fc.array(anyButton, { maxLength: 60, size: "max" }),
      context: anyText(4000),
      visibility: fc.constantFrom("channel", "ephemeral"),
      fallback: anyText(5000),
      replaceOriginal: fc.boolean(),
    },
    { requiredKeys: ["visibility", "fallback"] },
  );

  it("renders any reply within every limit, with no mention, no stray < and no link but a Markdown one", () => {
    fc.assert(
      fc.property(anyReply, (r) => {
        expect(deceptive(check(r, "arbitrary"))).toEqual([]);
      }),
      { numRuns: 120, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
  }, 240_000);

  /** All text Slack shows from the message's sections and context, a cut word ("…" at a block's end) joined again. */
  function shown(messages: SlackMessage[]): string {
    let out = "";
    for (const t of messages.flatMap(texts)) {
      if (t.type !== "mrkdwn") continue;
      out = out.endsWith("…") ? out.slice(0, -1) + t.text : `${out} ${t.text}`;
    }
    return out.replace(/\s+/g, " ");
  }

  it("loses no word: every word of text, bullets, fields, cells and context appears, in order", () => {
    fc.assert(
      fc.property(wordyReply, ({ reply: r, text, bullets, fields, rows, context }) => {
        const out = shown(check(r, "words"));
        const parts = [text, ...bullets, ...fields.flat(), ...rows.flat(), context];
        for (const p of parts) expect(out).toContain(p.words.join(" "));
      }),
      { numRuns: 60, interruptAfterTimeLimit: 150_000, markInterruptAsFailure: true },
    );
  }, 240_000);
});
