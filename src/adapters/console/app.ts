import { createInterface } from "node:readline";
import type { Caller } from "../../core/command.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Messenger } from "../../core/onboarding/model.ts";
import type { Poster } from "../../core/quiz/model.ts";
import type { Button, Reply } from "../../core/reply.ts";
import { renderReply } from "./render.ts";

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns?: number };
  /** Interactive: a prompt, colour and the terminal's width. Otherwise line by line, plain. */
  interactive: boolean;
  caller: Caller;
}

/**
 * The terminal chat: type `/docker <question>` (or just the question); buttons are numbered and
 * typing a number presses one. Goes through the same dispatcher as the chat platforms; quiz posts
 * from the scheduler appear here too.
 */
export class ConsoleChat {
  private buttons: Button[] = [];
  private prompting = false;

  constructor(private readonly o: ConsoleOptions) {}

  private get width(): number {
    return Math.max(40, Math.min(this.o.output.columns ?? 80, 100));
  }

  /** Prints a reply; its buttons, if it has any, become the numbered ones. */
  show(reply: Reply): void {
    if (reply.buttons?.length) this.buttons = reply.buttons;
    const text = renderReply(reply, { width: this.width, color: this.o.interactive });
    this.o.output.write(`${this.prompting ? "\n" : ""}${text}\n\n`);
  }

  /** Quiz rounds are "posted" into the terminal like any other message. */
  readonly poster: Poster = {
    post: async (_ch, reply) => {
      this.show(reply);
      return null;
    },
    update: async (_ch, _ref, reply) => {
      this.show({ ...reply, header: reply.header ? `${reply.header} (updated)` : "(updated)" });
    },
  };

  /** Direct messages to the terminal's user appear in the terminal; to anyone else, with a note. */
  readonly messenger: Messenger = {
    dm: async (member, reply) => {
      const to = member.userId === this.o.caller.userId ? "direct message" : `direct message to ${member.userName}`;
      this.show({ ...reply, context: reply.context ? `${reply.context} · ${to}` : to });
    },
    notice: async (_channel, _member, reply) => {
      this.show(reply);
    },
  };

  async run(dispatcher: Dispatcher): Promise<void> {
    const { interactive } = this.o;
    const rl = createInterface({
      input: this.o.input,
      output: interactive ? this.o.output : undefined,
      terminal: interactive,
    });
    const prompt = () => {
      if (!interactive) return;
      this.prompting = true;
      rl.setPrompt("dockhand> ");
      rl.prompt();
    };
    prompt();
    for await (const raw of rl) {
      this.prompting = false;
      const line = raw.trim();
      if (line === "exit" || line === "quit") break;
      if (line !== "") {
        if (/^\d{1,2}$/.test(line)) {
          const pressed = this.buttons[Number(line) - 1];
          if (pressed) this.show(await dispatcher.action(pressed.action, this.o.caller));
          else
            this.show({
              visibility: "ephemeral",
              text: `There is no button ${line} on the last message.`,
              fallback: "",
            });
        } else {
          this.show(await dispatcher.text(line, this.o.caller));
        }
      }
      prompt();
    }
    rl.close();
  }
}
