import { encodeAction } from "../actions.ts";
import type { Caller } from "../caller.ts";
import type { Clock } from "../clock.ts";
import type { KnowledgeBase } from "../knowledge/loader.ts";
import { normalKey } from "../knowledge/normalize.ts";
import type { Passage } from "../knowledge/passages.ts";
import type { Entry } from "../knowledge/schema.ts";
import type { SearchIndex } from "../knowledge/search.ts";
import { notice, type Reply, reply } from "../reply.ts";
import { type Telemetry, timedSearch } from "../telemetry.ts";
import { userText } from "../user-text.ts";
import { builtComparisonReply, entryReply, passageReply } from "./render.ts";
import type { AnswersRepo } from "./repo.ts";

/** How long the same entry is not repeated publicly in one channel. */
export const REPEAT_WINDOW_MS = 60_000;
/** The gaps report looks this far back. */
export const GAP_WINDOW_DAYS = 30;
/** Where a person with a question that found nothing is sent first. */
const STARTERS = [
  "volumes-vs-bind-mounts",
  "docker-run",
  "docker-compose",
  "dockerfile-best-practices",
  "docker-networks",
];

export interface AnswersOptions {
  kb: KnowledgeBase;
  search: SearchIndex;
  repo: AnswersRepo;
  clock: Clock;
  telemetry?: Telemetry;
}

/** Questions and their answers, votes on them, and the report of questions that found none. */
export class AnswersService {
  constructor(private readonly o: AnswersOptions) {}

  /** Answers a question: the entry or section, a comparison, suggestions, or a pointer to browse. */
  async ask(question: string, caller: Caller): Promise<Reply> {
    const { kb, telemetry } = this.o;
    const result = timedSearch(telemetry, "answer", () => this.o.search.search(question));
    if (!result.confident) telemetry?.unanswered(caller.platform);
    const top = result.hits[0];
    const queryId = await this.o.repo.recordQuery({
      platform: caller.platform,
      workspaceId: caller.workspaceId,
      channelId: caller.channelId,
      userId: caller.userId,
      query: question,
      normalized: normalKey(question),
      outcome: result.kind,
      confident: result.confident,
      entryId: result.confident && top ? top.entry.id : null,
      at: this.o.clock.now(),
    });

    if (result.kind === "comparison") {
      return builtComparisonReply(
        kb,
        result.hits.map((h) => h.entry),
        { visibility: "channel", queryId },
      );
    }
    if (result.kind === "answer" && top) {
      const answer = { entry: top.entry, ...(top.passage ? { passage: top.passage } : {}) };
      return this.publicAnswer(
        { ...answer, ...(result.alsoSee ? { alsoSee: result.alsoSee.entry } : {}) },
        caller,
        queryId,
      );
    }
    if (result.kind === "suggestions") {
      return reply({
        text: `I am not sure which topic “${userText(question)}” is about. Did you mean one of these?`,
        buttons: result.hits
          .slice(0, 5)
          .map((h) => ({ label: h.entry.title, action: encodeAction({ kind: "entry", entry: h.entry.id }) })),
        visibility: "ephemeral",
      });
    }
    const starters = STARTERS.map((id) => kb.byId.get(id)).filter((e) => e !== undefined);
    const fallbackTopics = starters.length > 0 ? starters : kb.entries.slice(0, 5);
    return {
      ...notice(
        `I have nothing on “${userText(question)}” in the knowledge packs, so it has been noted for the team's gaps report. Try a Docker topic, or browse with \`/docker topics\`.`,
      ),
      buttons: fallbackTopics.map((e) => ({ label: e.title, action: encodeAction({ kind: "entry", entry: e.id }) })),
    };
  }

  /**
   * Posts an answer in the channel (the entry, or the section of it that answers the question),
   * unless the same answer was posted there within the last minute: then the asker alone gets a
   * pointer to it instead of a repeat.
   */
  async publicAnswer(
    answer: { entry: Entry; passage?: Passage; alsoSee?: Entry },
    caller: Caller,
    queryId?: number,
  ): Promise<Reply> {
    const { entry, passage } = answer;
    const now = this.o.clock.now();
    const where = {
      platform: caller.platform,
      workspaceId: caller.workspaceId,
      channelId: caller.channelId,
      // A section is its own answer: another section of the same entry is not a repeat.
      entryId: passage ? passage.id : entry.id,
    };
    const earlier = await this.o.repo.recentPost({ ...where, since: new Date(now.getTime() - REPEAT_WINDOW_MS) });
    const title = passage ? `${entry.title}: ${passage.section.heading}` : entry.title;
    if (earlier) {
      const seconds = Math.max(1, Math.round((now.getTime() - earlier.at.getTime()) / 1000));
      return reply({
        text: `“${title}” was posted in this channel ${seconds} seconds ago, just above. Here it is again, only for you.`,
        buttons: [{ label: entry.title, action: encodeAction({ kind: "entry", entry: entry.id }) }],
        visibility: "ephemeral",
      });
    }
    await this.o.repo.recordPost({ ...where, messageRef: null, at: now });
    const opts = { visibility: "channel" as const, queryId, ...(answer.alsoSee ? { alsoSee: answer.alsoSee } : {}) };
    return passage ? passageReply(this.o.kb, entry, passage, opts) : entryReply(this.o.kb, entry, opts);
  }

  /** A 👍 or 👎 on an answer; undefined when the query is unknown (a forged or very old button). */
  async vote(queryId: number, vote: "up" | "down", caller: Caller): Promise<Reply | undefined> {
    const result = await this.o.repo.recordFeedback({
      queryId,
      userId: caller.userId,
      vote: vote === "up" ? 1 : -1,
      at: this.o.clock.now(),
    });
    if (result === "unknown") return undefined;
    if (result === "unchanged") return notice("You already voted that way on this answer.");
    return notice(
      vote === "up"
        ? "Thanks! Glad it helped."
        : "Thanks for telling us. The question goes on the gaps report so the answer can be improved.",
    );
  }

  /** The questions of the last 30 days that got no good answer or a 👎 (callers check for admins). */
  async gaps(): Promise<Reply> {
    const since = new Date(this.o.clock.now().getTime() - GAP_WINDOW_DAYS * 86_400_000);
    const rows = await this.o.repo.gaps(since, 15);
    if (rows.length === 0) {
      return reply({
        text: `No unanswered or down-voted questions in the last ${GAP_WINDOW_DAYS} days.`,
        visibility: "ephemeral",
      });
    }
    return reply({
      header: `Knowledge gaps, last ${GAP_WINDOW_DAYS} days`,
      bullets: rows.map((r) => {
        const why = [r.unanswered > 0 ? `${r.unanswered} unanswered` : "", r.downvotes > 0 ? `${r.downvotes} 👎` : ""]
          .filter(Boolean)
          .join(", ");
        return `“${userText(r.query)}”: asked ${r.asked}× (${why})`;
      }),
      context: "Add an entry or an alias to a knowledge pack to close a gap.",
      visibility: "ephemeral",
    });
  }
}
