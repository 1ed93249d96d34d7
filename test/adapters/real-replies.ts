import { topicsPage } from "../../commands/topics.ts";
import { builtComparisonReply, entryReply } from "../../src/core/answers/render.ts";
import type { Entry } from "../../src/core/knowledge/schema.ts";
import type { Platform } from "../../src/core/platform.ts";
import { questionReply, type RoundView, revealReply } from "../../src/core/quiz/render.ts";
import type { Reply } from "../../src/core/reply.ts";
import { button, caller, type Fixture, knowledge } from "../core/fixture.ts";

/** An entry of the built-in pack (fails loudly when missing). */
export function entry(id: string): Entry {
  const e = knowledge().kb.byId.get(id);
  if (!e) throw new Error(`no entry ${id} in the built-in pack`);
  return e;
}

/** A quiz round on the entry's first question, as the renderers see it. */
export function round(e: Entry): RoundView {
  return { id: 7, entry: e, index: 0, closesAt: new Date("2026-03-02T09:30:00Z") };
}

/**
 * Real replies of every kind, for the renderers' tests: from the real dispatcher (with `hostile`, a
 * platform's mention and link syntax, echoed in questions) and from the core's builders over the
 * built-in pack (with hostile names in the quiz reveal).
 */
export async function realReplies(
  f: Fixture,
  o: { platform: Platform; hostile: string; revealNames: [string, string]; workspaceId?: string },
): Promise<Record<string, Reply>> {
  const { kb } = knowledge();
  const who = (extra: Parameters<typeof caller>[0] = {}) =>
    caller({ platform: o.platform, ...(o.workspaceId ? { workspaceId: o.workspaceId } : {}), ...extra });
  let n = 0;
  const ask = (q: string, admin = false) =>
    f.dispatcher.text(q, who({ channelId: `C${n++}`, userId: admin ? "U-admin" : "U1" }));
  const replies: Record<string, Reply> = {};
  replies.answer = await ask("how do I publish a port");
  replies.comparisonEntry = await ask("volumes vs bind mounts");
  replies.builtComparison = await ask("docker compose vs docker swarm");
  replies.suggestions = await ask(`docker stuff ${o.hostile}`);
  replies.none = await ask(`the weather in paris ${o.hostile}`);
  replies.page = await f.dispatcher.action(button(replies.answer, "Show more"), who());
  replies.nextPage = await f.dispatcher.action(button(replies.page, "Next ▶"), who());
  replies.topics = await ask("topics");
  replies.tagged = await ask("topics containers");
  replies.help = await ask("help");
  replies.gaps = await ask("gaps", true);
  replies.userError = await ask("topics nosuchtag");

  const withQuiz = kb.entries.find((e) => e.quiz.length > 0);
  if (!withQuiz) throw new Error("no entry with a quiz");
  replies.entryEphemeral = entryReply(kb, entry("volumes-vs-bind-mounts"), { visibility: "ephemeral", queryId: 3 });
  replies.built = builtComparisonReply(kb, [entry("docker-compose"), entry("docker-run"), entry("docker-networks")], {
    visibility: "channel",
    queryId: 4,
  });
  replies.question = questionReply(round(withQuiz), 2);
  const answer = withQuiz.quiz[0]?.answer ?? 0;
  replies.reveal = revealReply(
    round(withQuiz),
    [
      { userName: o.revealNames[0], choice: answer, correct: true },
      { userName: o.revealNames[1], choice: answer, correct: true },
      { userName: "carol", choice: 3, correct: false },
    ],
    true,
  );
  replies.topicsPage = topicsPage(kb, undefined, 0, true);
  replies.topicsTag = topicsPage(kb, "storage", 0, false);
  return replies;
}
