import path from "node:path";
import { PassThrough } from "node:stream";
import { ConsoleChat } from "../../../src/adapters/console/app.ts";
import { assemble, type Parts } from "../../../src/assemble.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import type { Caller } from "../../../src/core/command.ts";
import { silentLogger } from "../../../src/core/logger.ts";
import { openStore } from "../../../src/store/index.ts";
import { knowledge } from "../../core/fixture.ts";

/** The terminal user, as src/main.ts describes them. */
export const caller: Caller = {
  platform: "console",
  workspaceId: "local",
  channelId: "terminal",
  userId: "console",
  userName: "you",
  platformAdmin: true,
};

/**
 * The terminal chat end to end in this process: ConsoleChat over in-memory streams, wired by
 * assemble() as src/main.ts does, on a fake clock and a SQLite file in `dir`.
 */
export async function terminal(dir: string, onboarding: Parts["onboarding"] = { stallDays: 7 }) {
  const { kb, search } = knowledge();
  const store = await openStore({ sqlitePath: path.join(dir, "terminal.db") });
  const clock = new FakeClock(new Date("2026-01-05T07:00:00Z"));
  const log = silentLogger();
  const input = new PassThrough();
  const output = new PassThrough();
  let out = "";
  output.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const chat = new ConsoleChat({ input, output, interactive: false, caller });
  // The same wiring as src/main.ts, with the terminal as the only platform.
  const { dispatcher, scheduler: makeScheduler } = assemble({
    kb,
    search,
    store,
    clock,
    log,
    poster: chat.poster,
    messenger: chat.messenger,
    admins: new Set(),
    timezone: "UTC",
    quiz: { showNames: true },
    onboarding,
  });
  const scheduler = makeScheduler("test-terminal");
  const running = chat.run(dispatcher);

  let seen = 0;
  /** Waits until the output after the last read matches, and returns that new output. */
  async function next(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const fresh = out.slice(seen);
      const m = pattern.exec(fresh);
      if (m) {
        seen += m.index + m[0].length;
        return fresh.slice(0, m.index + m[0].length);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  /** Types a line and waits for the reply that ends with `until`. */
  async function type(line: string, until: RegExp): Promise<string> {
    input.write(`${line}\n`);
    return next(until);
  }
  return { store, clock, scheduler, input, output: () => out, running, type, next, kb };
}

/**
 * Pack Markdown as the terminal shows it, written independently of the renderer: code spans and bold
 * show their text, *emphasis* its text, a link its text and address.
 */
export function asShown(markdown: string): string {
  return markdown
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, "$1 ($2)")
    .replace(/`|\*\*/g, "")
    .replace(/(?<![\w*])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![\w*])/g, "$1");
}
