import { defineCommand } from "../src/core/command.ts";
import { MAX_QUERY_LENGTH } from "../src/core/knowledge/search.ts";

export default defineCommand({
  spec: {
    name: "docker",
    description: "Ask a Docker question, e.g. volumes vs bind mounts",
    dm: true,
    verb: null,
    options: {
      question: {
        type: "string",
        description: "Your question, e.g. how do I publish a port",
        required: true,
        maxLength: MAX_QUERY_LENGTH,
        suggest: "entries",
      },
    },
    parseText: (rest) => (rest.trim() ? { question: rest.trim() } : null),
    examples: ["/docker volumes vs bind mounts", "/docker how do I publish a port?", "/docker docker ps -a"],
  },
  run: ({ question }, caller, ctx) => ctx.answers.ask(question, caller),
});
