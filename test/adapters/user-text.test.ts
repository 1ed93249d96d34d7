import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReply } from "../../src/adapters/console/render.ts";
import { renderDiscord } from "../../src/adapters/discord/render.ts";
import { renderSlack } from "../../src/adapters/slack/render.ts";
import { revealReply } from "../../src/core/quiz/render.ts";
import { notice, type Reply, reply } from "../../src/core/reply.ts";
import { cleanText } from "../../src/core/sanitize.ts";
import { userText } from "../../src/core/user-text.ts";
import { caller, type Fixture, makeFixture } from "../core/fixture.ts";
import { entry, round } from "./real-replies.ts";

/**
 * Text a person typed (a question, a display name, a track or topic argument) comes back as the characters
 * typed on every surface: never a link, a mention or formatting. Checked two ways: a property over the
 * renderers (the typed text changes nothing in a reply but its own literal span), and the real dispatcher
 * with the forms a member would plant.
 */

/** Pieces people type that mean something to Markdown, mrkdwn or Discord. */
const PIECES = [
  "[",
  "]",
  "(",
  ")",
  "](",
  "<",
  ">",
  "https://evil.example/phish",
  "www.evil.example",
  "docs",
  "!channel",
  "!here",
  "@everyone",
  "@here",
  "<@U1>",
  "<#C1|x>",
  "<@&1>",
  "*",
  "**",
  "_",
  "~",
  "`",
  "```",
  "||",
  "|",
  "&amp;",
  "&lt;",
  "&",
  "#",
  "> ",
  "- ",
  " ",
  "\n",
  "x",
  ":",
  "\\",
  // control and bidirectional characters: the boundary (cleanText) removes them before anything else
  "\u0000",
  "\u001b[31m",
  "\u202e",
  "\u2066",
  "\u200f",
  "\u0085",
];
const typed = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 14 }).map((p) => cleanText(p.join("")));

const BENIGN = "plainword";

/** A reply of every shape in which typed text is echoed: text, bullets, context, header. */
function echo(t: string): Reply {
  return reply({
    header: `Results for ${userText(t)}`,
    text: `I have nothing on “${userText(t)}” in the knowledge packs. Try \`/docker topics\`.`,
    bullets: [`“${userText(t)}”: asked 2× (2 unanswered)`, "*Pack* text with a [link](https://docs.docker.com/)"],
    context: `3 answers. 2 got it right: ${userText(t)}, ${userText("bob")}.`,
    visibility: "ephemeral",
  });
}

/** What a person sees of typed text: one line, the backtick shown as a look-alike. */
const seen = (t: string) => t.replace(/\s+/g, " ").trim().replace(/`/g, "\u02cb");

const slackDecode = (s: string) => s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

function slackTexts(r: Reply): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
      else for (const x of Object.values(o)) walk(x);
    }
  };
  walk(renderSlack(r).map((m) => m.blocks));
  return out;
}

function discordTexts(r: Reply): string[] {
  return renderDiscord(r).flatMap((m) =>
    (m.embeds ?? []).flatMap((e) => [e.description ?? "", ...(e.fields ?? []).map((f) => f.value)]),
  );
}

/** Each mrkdwn or Discord Markdown text with the typed text's code spans swapped for the benign one's. */
function withSpansReplaced(texts: string[], from: string, to: string): string[] {
  return texts.map((x) => x.split(from).join(to));
}

describe("typed text on every surface (property)", () => {
  it("Slack: the typed text is one escaped code span showing what was typed; the rest of the reply is unchanged", () => {
    const base = slackTexts(echo(BENIGN));
    fc.assert(
      fc.property(typed, (t) => {
        fc.pre(t.trim() !== "");
        const out = slackTexts(echo(t));
        const span = `\`${t.replace(/\s+/g, " ").trim().replace(/`/g, "\u02cb").replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")}\``;
        // inside the span: no raw < or > (no link, no mention can form) and no backtick that would end it
        expect(span.slice(1, -1)).not.toMatch(/[<>`]/);
        expect(slackDecode(span.slice(1, -1))).toBe(seen(t));
        expect(withSpansReplaced(out, span, `\`${BENIGN}\``)).toEqual(base);
      }),
      { numRuns: 300 },
    );
  });

  it("Discord: the typed text is one code span showing what was typed; the rest of the reply is unchanged", () => {
    const base = discordTexts(echo(BENIGN));
    fc.assert(
      fc.property(typed, (t) => {
        fc.pre(t.trim() !== "");
        const out = discordTexts(echo(t)).map((x) => x.replaceAll("\u200b", ""));
        const span = `\`${seen(t)}\``;
        expect(span.slice(1, -1)).not.toContain("`");
        expect(withSpansReplaced(out, span, `\`${BENIGN}\``)).toEqual(base);
        for (const m of renderDiscord(echo(t))) expect(m.allowedMentions).toEqual({ parse: [] });
        // the title is plain text: no mention can form in it
        const title = renderDiscord(echo(t))[0]?.embeds?.[0]?.title ?? "";
        expect(title).not.toMatch(/@(everyone|here)|<@[!&]?\d+>/);
      }),
      { numRuns: 300 },
    );
  });

  it("terminal: the typed text is printed as typed, with no Markdown read in it", () => {
    const flat = (s: string) => s.replace(/\s+/g, " ").trim();
    const base = flat(renderReply(echo(BENIGN), { width: 2000, color: false }));
    fc.assert(
      fc.property(typed, (t) => {
        fc.pre(t.trim() !== "");
        const out = flat(renderReply(echo(t), { width: 2000, color: false }));
        expect(out).toBe(base.split(BENIGN).join(flat(t)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("typed text from the real dispatcher", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await makeFixture();
  });
  afterAll(async () => {
    await f.store.close();
  });

  const PLANTED = [
    "[https://docs.docker.com](https://evil.example/phish)",
    "[t](<https://evil.example/phish>)",
    "<https://evil.example/phish|docs.docker.com> <!channel>",
    "**urgent** @everyone <@U1>",
  ];

  /** Every place "evil.example" appears in a Slack or Discord text lies inside a code span. */
  function onlyInCodeSpans(text: string): boolean {
    const outside = text.split("`").filter((_, i) => i % 2 === 0);
    return outside.every((part) => !part.includes("evil.example") && !part.includes("@everyone"));
  }

  async function echoedReplies(): Promise<Reply[]> {
    const out: Reply[] = [];
    for (const [i, q] of PLANTED.entries()) {
      out.push(await f.dispatcher.text(q, caller({ channelId: `C-plant${i}`, userId: "U1" })));
      out.push(await f.dispatcher.text(`docker stuff ${q}`, caller({ channelId: `C-plant${i}`, userId: "U1" })));
    }
    out.push(await f.dispatcher.text("gaps", caller({ userId: "U-admin" })));
    out.push(await f.dispatcher.text(`topics ${PLANTED[0]}`, caller({ userId: "U1" })));
    out.push(await f.dispatcher.text(`onboard start ${PLANTED[1]}`, caller({ userId: "U1" })));
    out.push(await f.dispatcher.text(`quiz schedule 09:00 ${PLANTED[0]}`, caller({ userId: "U-admin" })));
    const e = entry("volumes-vs-bind-mounts");
    const answer = e.quiz[0]?.answer ?? 0;
    out.push(
      revealReply(
        round(e),
        [
          { userName: PLANTED[0] as string, choice: answer, correct: true },
          { userName: PLANTED[3] as string, choice: answer, correct: true },
        ],
        true,
      ),
    );
    return out;
  }

  it("questions, the gaps report, arguments and names never come back as a link or a mention", async () => {
    const replies = await echoedReplies();
    const gaps = replies.find((r) => r.header?.startsWith("Knowledge gaps"));
    expect(gaps?.bullets?.length).toBeGreaterThanOrEqual(PLANTED.length);
    let echoed = 0;
    for (const r of replies) {
      for (const text of slackTexts(r)) {
        expect(onlyInCodeSpans(text), text).toBe(true);
        expect(text).not.toMatch(/<https:\/\/evil|<!channel>|<@U1>/);
        if (text.includes("evil.example")) echoed++;
      }
      for (const text of discordTexts(r)) expect(onlyInCodeSpans(text), text).toBe(true);
      const plain = renderReply(r, { width: 100, color: true }).replace(/\s+/g, " ");
      // the terminal shows the characters: the link syntax is still there, as typed, not turned into "text (url)"
      if (plain.includes("evil.example")) expect(plain).not.toMatch(/docs\.docker\.com \(https:\/\/evil/);
    }
    // the planted text was echoed (the check above is not vacuous)
    expect(echoed).toBeGreaterThanOrEqual(PLANTED.length);
  });

  it("a plain reply without typed text renders exactly as before", () => {
    const r = notice("Nothing typed here: `/docker help` lists the commands.");
    expect(slackTexts(r)).toEqual(["Nothing typed here: `/docker help` lists the commands."]);
    expect(discordTexts(r)).toEqual(["Nothing typed here: `/docker help` lists the commands."]);
  });
});
