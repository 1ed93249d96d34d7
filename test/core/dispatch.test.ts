import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handleAction } from "../../commands/actions.ts";
import { TOPICS_PER_PAGE } from "../../commands/topics.ts";
import { EXPIRED, parseAction } from "../../src/core/actions.ts";
import { pages } from "../../src/core/answers.ts";
import type { Context } from "../../src/core/command.ts";
import { Dispatcher } from "../../src/core/dispatch.ts";
import { forChat } from "../../src/core/knowledge/chat-text.ts";
import type { Entry } from "../../src/core/knowledge/schema.ts";
import type { Reply } from "../../src/core/reply.ts";
import { unmarked, userText } from "../../src/core/user-text.ts";
import type { Store } from "../../src/store/index.ts";
import { button, caller, countRows, entryButtons, type Fixture, makeFixture, memoryLogger } from "./fixture.ts";

let f: Fixture;
beforeEach(async () => {
  f = await makeFixture({ admins: ["U-admin", "discord:D-admin"] });
});
afterEach(() => f.close());

const ask = (text: string, who = caller()) => f.dispatcher.text(text, who);
const press = (action: string, who = caller()) => f.dispatcher.action(action, who);
const entry = (id: string) => {
  const e = f.ctx.kb.byId.get(id);
  if (!e) throw new Error(`no entry ${id}`);
  return e;
};
const labels = (r: Reply) => (r.buttons ?? []).map((b) => b.label);

async function queryRows() {
  return f.store.db.selectFrom("queries").selectAll().orderBy("id").execute();
}

describe("answers", () => {
  it("answers a question in the channel: title, summary, related topics, Show more and votes", async () => {
    const e = entry("port-publishing");
    expect(f.ctx.search.search("how do I publish a port").hits[0]?.entry.id).toBe("port-publishing");

    const r = await ask("/docker how do I publish a port");
    expect(r.visibility).toBe("channel");
    expect(r.header).toBe(e.title);
    expect(r.text).toBe(e.summary);
    expect(r.fallback).toContain(e.title);
    expect(r.context).toContain(e.sources[0]);
    expect(r.bullets?.length).toBe(e.commands.length);
    const related = e.related
      .slice(0, 3)
      .map((id) => entry(id).title)
      .filter(Boolean);
    expect(labels(r)).toEqual([...related, "Show more", "Remember this", "👍", "👎"]);
    expect(entryButtons(r)).toEqual(e.related.slice(0, 3));
    expect(parseAction(button(r, "Show more"))).toEqual({ kind: "more", entry: "port-publishing" });
    expect(labels(r)).not.toContain("Share in channel");

    const [row] = await queryRows();
    expect(row).toMatchObject({
      platform: "slack",
      channel_id: "C1",
      user_id: "U1",
      query: "how do I publish a port",
      outcome: "answer",
      confident: 1,
      entry_id: "port-publishing",
    });
    expect(parseAction(button(r, "👍"))).toEqual({ kind: "vote", query: row?.id, vote: "up" });
    expect(parseAction(button(r, "👎"))).toEqual({ kind: "vote", query: row?.id, vote: "down" });
    expect((await countRows(f.store)).posts).toBe(1);
  });

  it("answers a comparison entry with its table", async () => {
    const r = await ask("/docker volumes vs bind mounts");
    const e = entry("volumes-vs-bind-mounts");
    expect(r.visibility).toBe("channel");
    expect(r.header).toBe(e.title);
    expect(r.comparison?.sides).toEqual(["Volume", "Bind mount"]);
    expect(r.comparison?.rows.length).toBeGreaterThanOrEqual(2);
    for (const row of r.comparison?.rows ?? []) expect(row.values).toHaveLength(2);
    expect(labels(r)).toContain("Show more");
  });

  it("builds a side-by-side for two entries without a comparison entry", async () => {
    const result = f.ctx.search.search("docker compose vs docker swarm");
    expect(result.kind).toBe("comparison");
    expect(result.hits.map((h) => h.entry.id)).toEqual(["docker-compose", "docker-swarm"]);
    expect(f.ctx.kb.entries.some((e) => e.compare?.sides.some((s) => s.id === "docker-compose"))).toBe(false);

    const r = await ask("docker compose vs docker swarm");
    const [a, b] = [entry("docker-compose"), entry("docker-swarm")];
    expect(r.visibility).toBe("channel");
    expect(r.header).toBe(`${a.title} vs ${b.title}`);
    expect(r.comparison?.sides).toEqual([a.title, b.title]);
    expect(r.comparison?.rows.length).toBeGreaterThanOrEqual(2);
    for (const row of r.comparison?.rows ?? []) {
      expect(row.values).toHaveLength(2);
      for (const v of row.values) expect(v.trim()).not.toBe("");
    }
    expect(entryButtons(r)).toEqual(["docker-compose", "docker-swarm"]);
    expect(labels(r)).toEqual([a.title, b.title, "👍", "👎"]);
    const [row] = await queryRows();
    expect(row).toMatchObject({ outcome: "comparison", confident: 1 });
  });

  it("offers at most five suggestions, only to the asker, when nothing is confident", async () => {
    const q = "docker stuff";
    const result = f.ctx.search.search(q);
    expect(result.kind).toBe("suggestions");

    const r = await ask(q);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toContain(q);
    const ids = entryButtons(r);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(5);
    expect(r.buttons).toHaveLength(ids.length);
    expect(ids).toEqual(result.hits.slice(0, 5).map((h) => h.entry.id));
    const [row] = await queryRows();
    expect(row).toMatchObject({ query: q, outcome: "suggestions", confident: 0, entry_id: null });
    expect((await countRows(f.store)).posts).toBe(0);
  });

  it("caps suggestions at five even when search offers more", async () => {
    const real = f.ctx.search;
    const generous = new Proxy(real, {
      get(target, prop) {
        if (prop === "search") return (q: string) => target.search(q, { limit: 10 });
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    expect(generous.search("docker stuff").hits.length).toBeGreaterThan(5);
    const wide = new Dispatcher({ ...f.ctx, search: generous }, handleAction);
    const r = await wide.text("docker stuff", caller());
    expect(entryButtons(r)).toEqual(
      generous
        .search("docker stuff")
        .hits.slice(0, 5)
        .map((h) => h.entry.id),
    );
  });

  it("says it has nothing, only to the asker, and records the question as unanswered", async () => {
    const q = "the weather in paris";
    expect(f.ctx.search.search(q).kind).toBe("none");

    const r = await ask(q);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toContain(q);
    expect(r.text).toMatch(/gaps report/);
    const ids = entryButtons(r);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(f.ctx.kb.byId.has(id)).toBe(true);
    const [row] = await queryRows();
    expect(row).toMatchObject({ query: q, outcome: "none", confident: 0, entry_id: null });
    expect((await countRows(f.store)).posts).toBe(0);
  });

  it("treats off-topic questions that still get suggestions as unanswered too", async () => {
    const r = await ask("git undo last commit");
    expect(r.visibility).toBe("ephemeral");
    const [row] = await queryRows();
    expect(row).toMatchObject({ confident: 0, entry_id: null });
  });
});

describe("buttons", () => {
  it("Show more opens page 1 of N; Next and Previous move in place", async () => {
    // The entry with the longest body, so that it surely takes several pages.
    const e = [...f.ctx.kb.entries].sort((a, b) => pages(b).length - pages(a).length)[0] as Entry;
    expect(pages(e).length).toBeGreaterThanOrEqual(2);
    const answer = await ask(e.title);
    const first = await press(button(answer, "Show more"));
    const n = Number(/\(1\/(\d+)\)$/.exec(first.header ?? "")?.[1]);
    expect(first.header).toBe(`${e.title} (1/${n})`);
    expect(n).toBeGreaterThanOrEqual(2);
    expect(first.visibility).toBe("ephemeral");
    expect(first.replaceOriginal).toBe(false);
    expect(labels(first)).toEqual(["Next ▶"]);
    expect(first.text?.trim()).not.toBe("");

    const second = await press(button(first, "Next ▶"));
    expect(second.header).toBe(`${e.title} (2/${n})`);
    expect(second.replaceOriginal).toBe(true);
    expect(second.visibility).toBe("ephemeral");
    expect(second.text).not.toBe(first.text);
    expect(labels(second)[0]).toBe("◀ Previous");
    if (n === 2) expect(labels(second)).toEqual(["◀ Previous"]);

    const back = await press(button(second, "◀ Previous"));
    expect(back.header).toBe(first.header);
    expect(back.text).toBe(first.text);
    expect(back.replaceOriginal).toBe(true);

    // every paragraph shown comes from the entry's body (entry links shown as their text)
    const body = forChat(e.body).replace(/\s+/g, " ");
    for (const page of [first, second]) {
      for (const para of (page.text ?? "").split(/\n{2,}/)) expect(body).toContain(para.replace(/\s+/g, " ").trim());
    }
    // a page past the end shows the last page rather than nothing
    const past = await press(`v1|page|${e.id}|${n + 5}`);
    expect(past.header).toBe(`${e.title} (${n}/${n})`);
  });

  it("a related topic opens only for the presser; Share in channel posts it publicly", async () => {
    const answer = await ask("how do I publish a port", caller({ channelId: "C-share" }));
    const first = f.ctx.kb.byId.get(f.ctx.kb.byId.get("port-publishing")?.related[0] as string);
    const title = first?.title as string;
    const related = await press(button(answer, title), caller({ channelId: "C-share" }));
    expect(related.visibility).toBe("ephemeral");
    expect(related.header).toBe(title);
    expect(labels(related)).toContain("Share in channel");
    expect(labels(related)).not.toContain("👍");
    const postsBefore = (await countRows(f.store)).posts;

    const shared = await press(button(related, "Share in channel"), caller({ channelId: "C-share" }));
    expect(shared.visibility).toBe("channel");
    expect(shared.header).toBe(title);
    expect(labels(shared)).not.toContain("Share in channel");
    expect((await countRows(f.store)).posts).toBe(postsBefore + 1);
  });

  it("votes: recorded, then already voted, then changed", async () => {
    const answer = await ask("how do I publish a port");
    const up = button(answer, "👍");
    const down = button(answer, "👎");
    const first = await press(up);
    expect(first.visibility).toBe("ephemeral");
    expect(first.text).toMatch(/thanks/i);

    const again = await press(up);
    expect(again.text).toMatch(/already voted/i);

    const changed = await press(down);
    expect(changed.text).toMatch(/thanks/i);
    expect(changed.text).toMatch(/gaps report/);
    expect(changed.text).not.toMatch(/already/i);

    const other = await press(down, caller({ userId: "U2" }));
    expect(other.text).toMatch(/thanks/i);
    const rows = await f.store.db.selectFrom("query_feedback").select(["user_id", "vote"]).orderBy("user_id").execute();
    expect(rows).toEqual([
      { user_id: "U1", vote: -1 },
      { user_id: "U2", vote: -1 },
    ]);
  });
});

describe("topics and help", () => {
  it("lists all tags with counts", async () => {
    const r = await ask("topics");
    expect(r.visibility).toBe("ephemeral");
    expect(r.header).toMatch(/browse/i);
    const tags = new Set(f.ctx.kb.entries.flatMap((e) => e.tags));
    expect(r.text).toContain(`${f.ctx.kb.entries.length} topics under ${tags.size} tags`);
    const storage = f.ctx.kb.entries.filter((e) => e.tags.includes("storage")).length;
    expect(labels(r)).toContain(`storage (${storage})`);
    expect(parseAction(button(r, `storage (${storage})`))).toEqual({ kind: "topics", tag: "storage", page: 0 });
    expect(r.buttons?.length).toBeLessThanOrEqual(25);
  });

  it("lists the entries of one tag, and pages in place", async () => {
    // A tag whose entries fit one page, asked in another case than it is written.
    const counts = new Map<string, number>();
    for (const e of f.ctx.kb.entries) for (const t of e.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const tag = [...counts].find(([, n]) => n >= 2 && n <= TOPICS_PER_PAGE)?.[0] as string;
    const tagged = f.ctx.kb.entries.filter((e) => e.tags.includes(tag));
    const r = await ask(`/docker topics ${tag.toUpperCase()}`);
    expect(r.visibility).toBe("ephemeral");
    expect(r.header).toBe(`Topics tagged ${tag} (page 1/1)`);
    expect(new Set(entryButtons(r))).toEqual(new Set(tagged.map((e) => e.id)));
    expect(r.bullets).toHaveLength(tagged.length);

    const containers = f.ctx.kb.entries.filter((e) => e.tags.includes("containers"));
    expect(containers.length).toBeGreaterThan(8);
    const page1 = await ask("topics containers");
    expect(entryButtons(page1)).toHaveLength(8);
    const page2 = await press(button(page1, "Next ▶"));
    expect(page2.header).toMatch(/^Topics tagged containers \(page 2\/\d+\)$/);
    expect(page2.replaceOriginal).toBe(true);
    expect(entryButtons(page2).some((id) => entryButtons(page1).includes(id))).toBe(false);
  });

  it("names the known tags when the tag is unknown", async () => {
    const before = await countRows(f.store);
    const r = await ask("topics nosuchtag");
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toContain(`"${userText("nosuchtag")}"`);
    expect(r.text).toContain("storage");
    expect(r.text).toContain("networking");
    expect(await countRows(f.store)).toEqual(before);
  });

  it("help lists the commands with examples; the admin command only for admins", async () => {
    const user = await ask("/docker help");
    expect(user.visibility).toBe("ephemeral");
    expect(user.header).toMatch(/Dockhand/);
    expect(user.text).toContain(`${f.ctx.kb.entries.length} topics`);
    const visible = f.ctx.commands.filter((c) => !c.spec.admin);
    expect(user.bullets).toHaveLength(visible.length);
    expect(user.bullets?.join("\n")).toContain("/docker volumes vs bind mounts");
    expect(user.bullets?.join("\n")).not.toContain("/docker gaps");

    const admin = await ask("help", caller({ userId: "U-admin" }));
    expect(admin.bullets).toHaveLength(f.ctx.commands.length);
    expect(admin.bullets?.join("\n")).toContain("/docker gaps");
  });
});

describe("gaps report", () => {
  it("is refused to non-admins, and nothing changes", async () => {
    await ask("the weather in paris");
    const before = await countRows(f.store);
    const r = await ask("gaps");
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toMatch(/only admins/i);
    expect(r.header).toBeUndefined();
    expect(r.bullets).toBeUndefined();
    expect(await countRows(f.store)).toEqual(before);
  });

  it("lists unanswered and down-voted questions with counts, most asked first", async () => {
    const minute = 60_000;
    const answered = await ask("how do I publish a port");
    f.clock.advance(minute);
    await ask("the weather in paris");
    f.clock.advance(minute);
    await ask("qwertyuiop", caller({ userId: "U2" }));
    f.clock.advance(minute);
    await ask("the weather in paris", caller({ channelId: "C2" }));
    await ask("volumes vs bind mounts"); // answered, no vote: not a gap
    const liked = await ask("docker compose vs docker swarm");
    await press(button(liked, "👍")); // answered and up-voted: not a gap
    await press(button(answered, "👎"));

    const empty = await ask("gaps", caller({ platform: "discord", userId: "D-admin" }));
    expect(empty.header).toBe("Knowledge gaps, last 30 days");
    expect(empty.visibility).toBe("ephemeral");
    expect(empty.bullets).toEqual([
      `“${userText("the weather in paris")}”: asked 2× (2 unanswered)`,
      `“${userText("qwertyuiop")}”: asked 1× (1 unanswered)`,
      `“${userText("how do I publish a port")}”: asked 1× (1 👎)`,
    ]);

    for (const admin of [caller({ userId: "U-admin" }), caller({ platformAdmin: true })]) {
      expect((await ask("/docker gaps", admin)).bullets).toEqual(empty.bullets);
    }
  });

  it("covers the last 30 days only", async () => {
    const day = 86_400_000;
    await ask("qwertyuiop");
    f.clock.advance(20 * day);
    await ask("the weather in paris");
    f.clock.advance(10 * day - 60_000); // 30 days minus a minute after the first question
    const admin = caller({ userId: "U-admin" });
    expect((await ask("gaps", admin)).bullets).toHaveLength(2);

    f.clock.advance(2 * 60_000);
    expect((await ask("gaps", admin)).bullets).toEqual([
      `“${userText("the weather in paris")}”: asked 1× (1 unanswered)`,
    ]);

    f.clock.advance(20 * day);
    const none = await ask("gaps", admin);
    expect(none.text).toMatch(/No unanswered or down-voted questions in the last 30 days/);
    expect(none.bullets).toBeUndefined();
  });
});

describe("the same answer twice in a channel", () => {
  it("points the second asker at the answer posted within the last minute, then posts again after it", async () => {
    const title = entry("port-publishing").title;
    const first = await ask("how do I publish a port");
    expect(first.visibility).toBe("channel");

    f.clock.advance(30_000);
    const second = await ask("publish a port", caller({ userId: "U2" }));
    expect(second.visibility).toBe("ephemeral");
    expect(second.text).toContain(title);
    expect(second.text).toContain("30 seconds ago");
    expect(entryButtons(second)).toEqual(["port-publishing"]);
    expect(second.comparison).toBeUndefined();

    const elsewhere = await ask("how do I publish a port", caller({ channelId: "C2" }));
    expect(elsewhere.visibility).toBe("channel");
    const otherWorkspace = await ask("how do I publish a port", caller({ workspaceId: "T2" }));
    expect(otherWorkspace.visibility).toBe("channel");
    const otherPlatform = await ask("how do I publish a port", caller({ platform: "discord" }));
    expect(otherPlatform.visibility).toBe("channel");

    f.clock.advance(31_000); // 61 s after the first post
    const later = await ask("how do I publish a port");
    expect(later.visibility).toBe("channel");
    expect(later.header).toBe(title);

    // every question was recorded, pointer or not
    expect((await countRows(f.store)).queries).toBe(6);
  });

  it("also applies to Share in channel", async () => {
    await ask("how do I publish a port");
    const opened = await press("v1|entry|port-publishing");
    const shared = await press(button(opened, "Share in channel"), caller({ userId: "U2" }));
    expect(shared.visibility).toBe("ephemeral");
    expect(shared.text).toMatch(/seconds ago/);
  });
});

describe("errors", () => {
  it("answers a question over 300 characters with a clear message and records nothing", async () => {
    const long = `how do I publish a port ${"and also this ".repeat(30)}`.slice(0, 301);
    expect(long).toHaveLength(301);
    const r = await ask(`/docker ${long}`);
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toMatch(/301 characters/);
    expect(r.text).toMatch(/300/);
    expect(r.text).not.toMatch(/went wrong/);
    expect(await countRows(f.store)).toEqual({ queries: 0, feedback: 0, posts: 0 });

    const ok = await ask(long.slice(0, 300));
    expect(ok.text ?? "").not.toMatch(/characters long/);
    expect((await countRows(f.store)).queries).toBe(1);
  });

  it("answers an unexpected error with a reference id, and logs the error with that id", async () => {
    const logs = memoryLogger();
    const store = new Proxy(f.store, {
      get(target, prop) {
        if (prop === "recordQuery") return () => Promise.reject(new Error("disk on fire"));
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as Store;
    const ctx: Context = { ...f.ctx, store, log: logs.log };
    const broken = new Dispatcher(ctx, handleAction);

    const r = await broken.text("how do I publish a port", caller({ channelId: "C9" }));
    expect(r.visibility).toBe("ephemeral");
    const ref = /ref ([0-9a-f]{8})\b/.exec(r.text ?? "")?.[1];
    expect(ref, r.text).toBeDefined();
    expect(r.text).not.toContain("disk on fire");
    expect(r.fallback).toContain(`ref ${ref}`);

    const errors = logs.lines().filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ ref, channel: "C9", platform: "slack", err: { message: "disk on fire" } });

    // a second failure gets a different reference
    const again = await broken.text("how do I publish a port", caller());
    expect(/ref ([0-9a-f]{8})\b/.exec(again.text ?? "")?.[1]).not.toBe(ref);
    // the user errors and expired buttons stay quiet in the log
    await broken.text("topics nosuchtag", caller());
    await broken.action("v1|entry|nope", caller());
    expect(logs.lines().filter((l) => l.level === 50)).toHaveLength(2);
    expect(await countRows(f.store)).toEqual({ queries: 0, feedback: 0, posts: 0 });
  });

  it("typed commands: an unknown command or a bad option is a clear message", async () => {
    const unknown = await f.dispatcher.command("nope", {}, caller());
    expect(unknown.visibility).toBe("ephemeral");
    expect(unknown.text).toContain(`Unknown command "${userText("nope")}"`);
    const bad = await f.dispatcher.command("docker", { question: 42 }, caller());
    expect(unmarked(bad.text ?? "")).toMatch(/option "question"/);
    const missing = await f.dispatcher.command("docker", {}, caller());
    expect(unmarked(missing.text ?? "")).toMatch(/option "question"/);
    const ok = await f.dispatcher.command("docker", { question: "  volumes vs bind mounts " }, caller());
    expect(ok.header).toBe(entry("volumes-vs-bind-mounts").title);
    const expired = await f.dispatcher.action("v1|more|gone-entry", caller());
    expect(expired.text).toBe(EXPIRED);
  });
});
