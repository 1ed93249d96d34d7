import { defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import { reply } from "../src/core/reply.ts";
import { userText } from "../src/core/user-text.ts";

export const GAP_WINDOW_DAYS = 30;

export default defineCommand({
  spec: {
    name: "gaps",
    description: "Questions that got no good answer in the last 30 days",
    verb: "gaps",
    admin: true,
    options: {},
    parseText: (rest) => (rest.trim() === "" ? {} : null),
    examples: ["/docker gaps"],
  },
  async run(_options, caller, ctx) {
    if (!isAdmin(caller, ctx)) {
      throw new UserError(
        "admins_only",
        "Only admins can see the gaps report. A workspace admin can run it, or add your user id to DOCKHAND_ADMINS.",
      );
    }
    const since = new Date(ctx.clock.now().getTime() - GAP_WINDOW_DAYS * 86_400_000);
    const rows = await ctx.store.gaps(since, 15);
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
  },
});
