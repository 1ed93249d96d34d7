import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isUserError } from "./core/errors.ts";
import { blocking, formatProblem, type KnowledgeBase, loadKnowledge } from "./core/knowledge/loader.ts";
import type { SearchIndex } from "./core/knowledge/search.ts";
import { builtInPacks } from "./paths.ts";
import { askLines, formatHuman, timedSearch, toJson } from "./tools/ask.ts";
import { openForAsk, runIndex } from "./tools/index-cli.ts";

const USAGE = `Usage: dockhand <command>

  start [--watch]            run Dockhand (chat adapters, or a terminal chat when no tokens are set);
                             SIGHUP reloads the knowledge packs, --watch also when their files change
  ask [--json] [--explain] [--knowledge DIR]... "<question>"
                             answer a question from the knowledge packs ("-" reads one question a line)
  lint [DIR...]              check the built-in knowledge packs and, layered on them, a team's packs
  eval [FILE...]             score search on evaluation sets (default: ../shared/eval/dev.jsonl)
  index [--knowledge DIR]... [--out FILE]
                             build the search index ahead of time and save it (next to the database,
                             or in DOCKHAND_CACHE_DIR), so that start-up loads it instead
  bench                      measure search latency and memory
  manifest slack [--url URL] print the Slack app manifest (Socket Mode; with --url, HTTP mode)
  register discord [--guild ID]
                             register the slash commands with Discord (once per release; needs
                             DISCORD_TOKEN and DISCORD_APPLICATION_ID; --guild: one server only)`;

class UsageError extends Error {}

function loadOrExplain(extra: string[]): KnowledgeBase {
  const { kb, problems: all } = loadKnowledge([...builtInPacks, ...extra]);
  const problems = blocking(all);
  if (problems.length > 0) {
    for (const p of problems) console.error(formatProblem(p));
    throw new UsageError(`The knowledge packs have ${problems.length} problem(s); run "dockhand lint" for the list.`);
  }
  return kb;
}

/** The search index for `ask`: from the saved index when it matches the packs, else built now. */
function searchOrExplain(extra: string[]): SearchIndex {
  const { search, problems } = openForAsk(extra);
  if (!search) {
    for (const p of blocking(problems)) console.error(formatProblem(p));
    throw new UsageError(
      `The knowledge packs have ${blocking(problems).length} problem(s); run "dockhand lint" for the list.`,
    );
  }
  return search;
}

async function lint(args: string[]): Promise<number> {
  // A team's pack is checked on top of the built-in ones, as Dockhand loads it: its entries may
  // refer to built-in entries, and its ids and aliases must not clash with them.
  const dirs = [...builtInPacks, ...args.filter((a) => !builtInPacks.includes(resolve(a)))];
  const { kb, problems } = loadKnowledge(dirs, process.cwd(), "full");
  for (const p of problems) console.error(formatProblem(p));
  const failing = problems.filter((p) => !p.warning);
  if (failing.length > 0) {
    console.error(`${failing.length} problem(s) found.`);
    return 1;
  }
  console.log(`ok: ${kb.entries.length} entries, ${kb.tracks.length} track(s) in ${dirs.length} pack(s)`);
  return 0;
}

async function ask(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      explain: { type: "boolean", default: false },
      knowledge: { type: "string", multiple: true, default: [] },
    },
  });
  const query = positionals.join(" ").trim();
  if (!query)
    throw new UsageError('Ask a question, e.g. dockhand ask "volumes vs bind mounts" (or "-" to read from stdin).');
  const index = searchOrExplain(values.knowledge);
  if (query === "-") {
    await askLines(index, process.stdin, values.explain);
    return 0;
  }
  const { result, tookMs } = timedSearch(index, query, values.explain);
  if (values.json) console.log(JSON.stringify(toJson(result, tookMs)));
  else console.log(formatHuman(result, index.kb, values.explain));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start": {
      const { start, StartupError } = await import("./main.ts");
      try {
        await start({
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          watch: rest.includes("--watch"),
        });
      } catch (err) {
        if (err instanceof StartupError) throw new UsageError(err.message);
        throw err;
      }
      return 0;
    }
    case "manifest": {
      if (rest[0] !== "slack") throw new UsageError("Usage: dockhand manifest slack [--url https://HOST/slack/events]");
      const { values } = parseArgs({ args: rest.slice(1), options: { url: { type: "string" } } });
      const { slackManifest } = await import("./adapters/slack/manifest.ts");
      const { commands } = await import("../commands/index.ts");
      console.log(JSON.stringify(slackManifest(commands, values.url ? { requestUrl: values.url } : {}), null, 2));
      return 0;
    }
    case "register": {
      if (rest[0] !== "discord") throw new UsageError("Usage: dockhand register discord [--guild SERVER_ID]");
      const { values } = parseArgs({ args: rest.slice(1), options: { guild: { type: "string" } } });
      if (values.guild !== undefined && !/^\d{17,20}$/.test(values.guild))
        throw new UsageError(
          "--guild takes a server id: 17 to 20 digits (Discord: right-click the server → Copy Server ID).",
        );
      const { loadConfig } = await import("./config.ts");
      let config: import("./config.ts").Config;
      try {
        config = loadConfig();
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { token, applicationId, apiUrl } = config.discord;
      if (!token || !applicationId)
        throw new UsageError(
          `Set ${[!token && "DISCORD_TOKEN", !applicationId && "DISCORD_APPLICATION_ID"].filter(Boolean).join(" and ")} (in the environment or .env) first.`,
        );
      const { registerDiscordCommands } = await import("./adapters/discord/register.ts");
      const { commands } = await import("../commands/index.ts");
      try {
        const done = await registerDiscordCommands(commands, {
          token,
          applicationId,
          ...(apiUrl ? { apiUrl } : {}),
          ...(values.guild ? { guildId: values.guild } : {}),
        });
        console.log(`Registered /${done.names.join(", /")} for ${done.scope}.`);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return 0;
    }
    case "lint":
      return lint(parseArgs({ args: rest, allowPositionals: true, options: {} }).positionals);
    case "ask":
      return ask(rest);
    case "index":
      return runIndex(rest);
    case "eval":
      return (await import("./tools/eval-cli.ts")).runEval(rest, loadOrExplain([]));
    case "bench":
      return (await import("./tools/bench.ts")).runBench(loadOrExplain([]), rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || isUserError(err) || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error((err as Error).message);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
