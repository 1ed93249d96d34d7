import { type Action, EXPIRED } from "../src/core/actions.ts";
import { entryReply, pageReply, publicAnswer } from "../src/core/answers.ts";
import type { Caller, Context } from "../src/core/command.ts";
import { notice, type Reply } from "../src/core/reply.ts";
import { memberOf } from "./onboard.ts";
import { topicsPage } from "./topics.ts";

/** What each button does. Ids were parsed already; what they point at is checked here. */
export async function handleAction(action: Action, caller: Caller, ctx: Context): Promise<Reply> {
  switch (action.kind) {
    case "entry":
    case "more":
    case "page":
    case "share": {
      const entry = ctx.kb.byId.get(action.entry);
      if (!entry) return notice(EXPIRED);
      if (action.kind === "entry") return entryReply(ctx.kb, entry, { visibility: "ephemeral" });
      if (action.kind === "more") return pageReply(entry, 0, false);
      if (action.kind === "page") return pageReply(entry, action.page, true);
      return publicAnswer({ entry }, caller, ctx);
    }
    case "vote": {
      const result = await ctx.store.recordFeedback({
        queryId: action.query,
        userId: caller.userId,
        vote: action.vote === "up" ? 1 : -1,
        at: ctx.clock.now(),
      });
      if (result === "unknown") return notice(EXPIRED);
      if (result === "unchanged") return notice("You already voted that way on this answer.");
      return notice(
        action.vote === "up"
          ? "Thanks! Glad it helped."
          : "Thanks for telling us. The question goes on the gaps report so the answer can be improved.",
      );
    }
    case "answer":
      return ctx.quiz.answer(action.round, action.choice, caller);
    case "obstart":
      return ctx.onboarding.start(memberOf(caller), action.track, caller.channelId);
    case "obnext":
      return ctx.onboarding.next(memberOf(caller), action.track, action.step);
    case "obquiz":
      return ctx.onboarding.quiz(memberOf(caller), action.track, action.step);
    case "obans":
      return ctx.onboarding.answer(memberOf(caller), action.track, action.step, action.q, action.choice);
    case "obpause":
      return ctx.onboarding.pause(memberOf(caller));
    case "rvnext":
      return ctx.review.next(memberOf(caller), true);
    case "rvans":
      return ctx.review.answer(
        memberOf(caller),
        { entryId: action.entry, question: action.q },
        action.rep,
        action.choice,
      );
    case "rveasy":
      return ctx.review.easy(memberOf(caller), { entryId: action.entry, question: action.q }, action.rep);
    case "rvadd":
      return ctx.review.rememberEntry(memberOf(caller), action.entry);
    case "rvreset":
      return ctx.review.resetConfirm(memberOf(caller));
    case "topics":
      return topicsPage(ctx.kb, action.tag === "-" ? undefined : action.tag, action.page, true);
  }
}
