import { defineCommand, isAdmin } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";

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
    return ctx.answers.gaps();
  },
});
