import { defineCommand, isAdmin } from "../src/core/command.ts";
import { reply } from "../src/core/reply.ts";

export default defineCommand({
  spec: {
    name: "help",
    description: "What Dockhand can do, with examples",
    dm: true,
    verb: "help",
    options: {},
    parseText: (rest) => (rest.trim() === "" ? {} : null),
    examples: ["/docker help"],
  },
  async run(_options, caller, ctx) {
    const admin = isAdmin(caller, ctx);
    const lines = ctx.commands
      .filter((c) => admin || !c.spec.admin)
      .map(
        (c) =>
          `*${c.spec.description}*${c.spec.admin ? " (admins)" : ""}: ${c.spec.examples.map((e) => `\`${e}\``).join(", ")}`,
      );
    return reply({
      header: "Dockhand: Docker answers in chat",
      text: `Ask anything about Docker and get the answer from the team's knowledge pack (${ctx.kb.entries.length} topics). Typos and long questions are fine; "A vs B" gets a side-by-side comparison.`,
      bullets: lines,
      context: "Answers come from knowledge packs that your team can extend.",
      visibility: "ephemeral",
    });
  },
});
