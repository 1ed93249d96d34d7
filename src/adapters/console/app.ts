import { createInterface } from "node:readline";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Button } from "../../core/reply.ts";
import { renderReply } from "./render.ts";

export interface ConsoleOptions {
  dispatcher: Dispatcher;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns?: number };
  /** Interactive: a prompt, colour and the terminal's width. Otherwise line by line, plain. */
  interactive: boolean;
  caller: Caller;
}

/**
 * The terminal chat: type `/docker <question>` (or just the question); buttons are numbered and
 * typing a number presses one. Goes through the same dispatcher as the chat platforms.
 */
export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const { dispatcher, output, interactive, caller } = opts;
  const rl = createInterface({ input: opts.input, output: interactive ? output : undefined, terminal: interactive });
  const write = (s: string) => output.write(`${s}\n`);
  let buttons: Button[] = [];
  if (interactive) {
    rl.setPrompt("dockhand> ");
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === "exit" || line === "quit") break;
    if (line !== "") {
      const width = Math.max(40, Math.min(output.columns ?? 80, 100));
      const pressed = /^\d{1,2}$/.test(line) ? buttons[Number(line) - 1] : undefined;
      const reply =
        pressed !== undefined
          ? await dispatcher.action(pressed.action, caller)
          : /^\d{1,2}$/.test(line)
            ? {
                visibility: "ephemeral" as const,
                text: `There is no button ${line} on the last message.`,
                fallback: "",
              }
            : await dispatcher.text(line, caller);
      if (reply.buttons?.length || pressed === undefined) buttons = reply.buttons ?? [];
      write(`${renderReply(reply, { width, color: interactive })}\n`);
    }
    if (interactive) rl.prompt();
  }
  rl.close();
}
