import { randomBytes } from "node:crypto";
import { z } from "zod";
import { type Action, EXPIRED, parseAction } from "./actions.ts";
import type { AnyCommand, Caller, Context, OptionSpec } from "./command.ts";
import { isUserError, UserError } from "./errors.ts";
import type { Platform } from "./platform.ts";
import { notice, type Reply } from "./reply.ts";
import { cleanOptions, cleanText } from "./sanitize.ts";
import { type Choice, suggest } from "./suggest.ts";
import { parseCommandText } from "./text-command.ts";
import { userText } from "./user-text.ts";

/** Names come from the platform, as typed by people: cleaned like every other text. */
function cleanCaller(caller: Caller): Caller {
  return { ...caller, userName: cleanText(caller.userName) };
}

export type ActionHandler = (action: Action, caller: Caller, ctx: Context) => Promise<Reply>;

function optionSchema(spec: OptionSpec): z.ZodType {
  if (spec.type === "integer") {
    let n = z.number().int();
    if (spec.min !== undefined) n = n.min(spec.min);
    if (spec.max !== undefined) n = n.max(spec.max);
    return spec.required ? n : n.optional();
  }
  let s: z.ZodType = z
    .string()
    .trim()
    .max(spec.maxLength ?? 6000, { message: `must be at most ${spec.maxLength ?? 6000} characters` });
  if (spec.choices)
    s = z.enum(spec.choices as [string, ...string[]], { message: `must be one of ${spec.choices.join(", ")}` });
  return spec.required ? s : s.optional();
}

/**
 * The one path from an adapter into the core: typed commands (Discord), free text (Slack, the
 * terminal) and button presses. It owns the central error handling: a UserError becomes an
 * only-me message saying what to do; anything else is logged with a reference id and answered
 * with a generic message that shows the id.
 */
export class Dispatcher {
  constructor(
    private readonly ctx: Context,
    private readonly onAction: ActionHandler,
  ) {}

  get commands(): readonly AnyCommand[] {
    return this.ctx.commands;
  }

  /** A command with typed options, as Discord delivers it. */
  command(name: string, options: Record<string, unknown>, who: Caller): Promise<Reply> {
    const caller = cleanCaller(who);
    options = cleanOptions(options);
    const label = { kind: "unknown" }; // never a name from outside: it becomes a metric label
    return this.guard(caller, `command ${name}`, label, async () => {
      const command = this.ctx.commands.find((c) => c.spec.name === name);
      if (!command)
        throw new UserError(
          "unknown_command",
          `Unknown command "${userText(name)}". Type /docker help to see what works.`,
        );
      label.kind = command.spec.name;
      const shape = Object.fromEntries(
        Object.entries(command.spec.options as Record<string, OptionSpec>).map(([k, v]) => [k, optionSchema(v)]),
      );
      const parsed = z.object(shape).safeParse(options);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new UserError(
          "bad_option",
          `The option "${String(issue?.path[0] ?? "?")}" is not valid: ${issue?.message ?? "check it"}.`,
        );
      }
      return command.run(parsed.data, caller, this.ctx);
    });
  }

  /** Free text after the slash command: `/docker help`, `/docker volumes vs bind mounts`. */
  text(raw: string, who: Caller): Promise<Reply> {
    const caller = cleanCaller(who);
    const text = cleanText(raw);
    const label = { kind: "text" };
    return this.guard(caller, "text", label, async () => {
      const parsed = parseCommandText(text, this.ctx.commands);
      if ("error" in parsed) throw new UserError("bad_command", parsed.error);
      label.kind = parsed.command.spec.name;
      return parsed.command.run(parsed.options, caller, this.ctx);
    });
  }

  /**
   * Whether this free text, once run, changes stored state (see CommandSpec.saves): the adapter
   * then waits for it before acknowledging. Text that does not parse changes nothing.
   */
  savesState(raw: string): boolean {
    const parsed = parseCommandText(cleanText(raw), this.ctx.commands);
    return !("error" in parsed) && (parsed.command.spec.saves?.(parsed.options) ?? false);
  }

  /** A button press; the id comes from the platform and is parsed, never trusted. */
  action(id: unknown, who: Caller): Promise<Reply> {
    const caller = cleanCaller(who);
    const label = { kind: "button" };
    return this.guard(caller, "action", label, async () => {
      const action = parseAction(id);
      if (!action) return notice(EXPIRED);
      label.kind = `button:${action.kind}`;
      return this.onAction(action, caller, this.ctx);
    });
  }

  /** The workspace of a member's most recent onboarding: a Discord DM carries none. */
  latestWorkspace(platform: Platform, userId: string): Promise<string | undefined> {
    return this.ctx.onboarding.latestWorkspace(platform, userId);
  }

  /**
   * Suggestions while a member types an option (Discord autocomplete): what the option's spec says
   * to suggest, or none. Never throws: a failure is logged and suggests nothing.
   */
  suggest(command: string, option: string, typed: string): Choice[] {
    const spec = this.ctx.commands.find((c) => c.spec.name === command)?.spec.options as
      | Record<string, OptionSpec>
      | undefined;
    const o = spec?.[option];
    if (o?.type !== "string" || !o.suggest) return [];
    const started = performance.now();
    try {
      return suggest(this.ctx, o.suggest, typed);
    } catch (err) {
      this.ctx.log.error({ err, command, option }, "suggestions failed");
      return [];
    } finally {
      this.ctx.telemetry?.searched((performance.now() - started) / 1000, "autocomplete");
    }
  }

  /** `label.kind` names the command (or button kind) for metrics once it is known. */
  private async guard(
    caller: Caller,
    what: string,
    label: { kind: string },
    run: () => Promise<Reply>,
  ): Promise<Reply> {
    const handled = (outcome: "ok" | "user_error" | "error") =>
      this.ctx.telemetry?.handled({ platform: caller.platform, kind: label.kind, outcome });
    try {
      const reply = await run();
      handled("ok");
      return reply;
    } catch (err) {
      if (isUserError(err)) {
        handled("user_error");
        return notice(err.message);
      }
      handled("error");
      this.ctx.telemetry?.error("dispatch");
      const ref = randomBytes(4).toString("hex");
      this.ctx.log.error({ err, ref, what, platform: caller.platform, channel: caller.channelId }, "request failed");
      return {
        ...notice(
          `Something went wrong on my side (ref ${ref}). Please try again; if it keeps failing, give this ref to whoever runs Dockhand.`,
        ),
        failed: true,
        ref,
      };
    }
  }
}
