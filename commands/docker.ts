import { encodeAction } from "../src/core/actions.ts";
import { builtComparisonReply, publicAnswer } from "../src/core/answers.ts";
import { defineCommand } from "../src/core/command.ts";
import { normalKey } from "../src/core/knowledge/normalize.ts";
import { MAX_QUERY_LENGTH } from "../src/core/knowledge/search.ts";
import { notice, reply } from "../src/core/reply.ts";
import { timedSearch } from "../src/core/telemetry.ts";
import { userText } from "../src/core/user-text.ts";

export default defineCommand({
  spec: {
    name: "docker",
    description: "Ask a Docker question, e.g. volumes vs bind mounts",
    verb: null,
    options: {
      question: {
        type: "string",
        description: "Your question, e.g. how do I publish a port",
        required: true,
        maxLength: MAX_QUERY_LENGTH,
        autocomplete: true,
      },
    },
    parseText: (rest) => (rest.trim() ? { question: rest.trim() } : null),
    examples: ["/docker volumes vs bind mounts", "/docker how do I publish a port?", "/docker docker ps -a"],
  },
  async run({ question }, caller, ctx) {
    const result = timedSearch(ctx.telemetry, "answer", () => ctx.search.search(question));
    if (!result.confident) ctx.telemetry?.unanswered(caller.platform);
    const now = ctx.clock.now();
    const top = result.hits[0];
    const queryId = await ctx.store.recordQuery({
      platform: caller.platform,
      workspaceId: caller.workspaceId,
      channelId: caller.channelId,
      userId: caller.userId,
      query: question,
      normalized: normalKey(question),
      outcome: result.kind,
      confident: result.confident,
      entryId: result.confident && top ? top.entry.id : null,
      at: now,
    });

    if (result.kind === "comparison") {
      return builtComparisonReply(
        ctx.kb,
        result.hits.map((h) => h.entry),
        { visibility: "channel", queryId },
      );
    }
    if (result.kind === "answer" && top) {
      const answer = { entry: top.entry, ...(top.passage ? { passage: top.passage } : {}) };
      return publicAnswer(
        { ...answer, ...(result.alsoSee ? { alsoSee: result.alsoSee.entry } : {}) },
        caller,
        ctx,
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
    const starters = [
      "volumes-vs-bind-mounts",
      "docker-run",
      "docker-compose",
      "dockerfile-best-practices",
      "docker-networks",
    ]
      .map((id) => ctx.kb.byId.get(id))
      .filter((e) => e !== undefined);
    const fallbackTopics = starters.length > 0 ? starters : ctx.kb.entries.slice(0, 5);
    return {
      ...notice(
        `I have nothing on “${userText(question)}” in the knowledge packs, so it has been noted for the team's gaps report. Try a Docker topic, or browse with \`/docker topics\`.`,
      ),
      buttons: fallbackTopics.map((e) => ({ label: e.title, action: encodeAction({ kind: "entry", entry: e.id }) })),
    };
  },
});
