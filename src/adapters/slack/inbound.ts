import type { App } from "@slack/bolt";
import { parseAction, savesState } from "../../core/actions.ts";
import type { Caller } from "../../core/caller.ts";
import type { Dispatcher } from "../../core/dispatch.ts";
import type { Logger } from "../../core/logger.ts";
import type { Member } from "../../core/onboarding/model.ts";
import { notice, type Reply } from "../../core/reply.ts";
import type { Dedupe } from "../shared/dedupe.ts";
import { ASK_SHORTCUT, SLASH_COMMAND } from "./manifest.ts";
import { messagesOf, type SlackOutbound } from "./outbound.ts";
import { actionIdOf, isDirectMessage, slackToPlain, stripBotMention } from "./parse.ts";
import type { People } from "./people.ts";
import {
  commandNotSaved,
  NOT_SAVED,
  NotSavedError,
  SAVE_DEADLINE_MS,
  STILL_SAVING,
  withDeadline,
} from "./save-first.ts";
import { errorText, platformError } from "./support.ts";

export type JoinHook = (
  member: Member,
  where: { event: "team_join" | "member_joined_channel"; channelId?: string },
) => Promise<unknown>;

export interface Inbound {
  dispatcher: Dispatcher;
  people: People;
  out: SlackOutbound;
  dedupe: Dedupe;
  log: Logger;
  /** Runs work after the ack, tracked until stop(). */
  track: (what: string, work: () => Promise<unknown>) => Promise<unknown>;
  /** Work after an acknowledgement that holds nothing Slack was promised (the reply to a saved press): not queued. */
  afterAck: (what: string, work: () => Promise<unknown>) => void;
  onMemberJoined?: JoinHook;
}

/** Slack events → invocations of the dispatcher; every listener acknowledges first, then works. */
export function listen(app: App, i: Inbound): void {
  const { dispatcher, people, out, log, track } = i;
  app.error(async (err) => {
    // Refused on purpose: Bolt passes it on to the receiver, which answers with an error status.
    if (err instanceof NotSavedError) throw err;
    log.error({ err }, "slack listener failed");
  });

  // Slack retries an event it thinks failed (also when the handler was only slow), and Bolt does
  // not dedupe: the first delivery of an event_id claims it, repeats are dropped.
  app.use(async ({ body, context, next }) => {
    const b = body as { type?: string; event_id?: unknown };
    if (b.type === "event_callback" && typeof b.event_id === "string" && !(await i.dedupe.first(b.event_id))) {
      log.info({ eventId: b.event_id, retryNum: context.retryNum, retryReason: context.retryReason }, "repeat skipped");
      return;
    }
    await next();
  });

  listenForCommands(app, i);

  app.action({ type: "block_actions" }, async ({ body, action, ack, respond }) => {
    const channel = body.channel?.id ?? (body.container.channel_id as string | undefined) ?? "";
    const id = actionIdOf(action as { action_id: string; value?: unknown });
    const who = {
      team: body.team?.id ?? body.user.team_id,
      channel,
      user: body.user.id,
      name: body.user.username ?? body.user.name,
    };
    // Onboarding lives in the bot's DM: there, "only you" replies stay instead of vanishing.
    const inBotDm = isDirectMessage(channel) && body.container.is_ephemeral !== true;
    const answer = async (reply: Reply) => {
      if (respond) await out.respondWith(respond, reply, { replace: true, inBotDm });
      else await out.postInThread({ ...reply, visibility: "ephemeral" }, { channel, user: body.user.id });
    };
    if (savesState(parseAction(id))) {
      // Stored before the acknowledgement: a press Slack was told about is never lost with this
      // process. The store gets most of Slack's 3 seconds; when it cannot answer in time (or at
      // all), the press is not acknowledged and the person is told to press again.
      const caller: Caller = {
        platform: "slack",
        workspaceId: who.team ?? "",
        channelId: channel,
        userId: who.user,
        userName: who.name || who.user,
        platformAdmin: false,
      };
      const reply = await withDeadline(dispatcher.action(id, caller), SAVE_DEADLINE_MS);
      if (!reply || reply.failed) {
        log.warn({ user: who.user, timedOut: !reply }, "press not saved; not acknowledged");
        i.afterAck("refusal", () => answer(notice(NOT_SAVED)));
        throw new NotSavedError();
      }
      await ack();
      i.afterAck("action", () => answer(reply));
      return;
    }
    await ack();
    await track("action", async () => answer(await dispatcher.action(id, await people.callerOf(who))));
  });

  app.event("app_mention", async ({ event, body, context }) => {
    const user = event.user;
    if (event.bot_id || !user) return;
    await track("mention", async () => {
      const caller = await people.callerOf({ team: event.team ?? body.team_id, channel: event.channel, user });
      const text = slackToPlain(stripBotMention(event.text, context.botUserId));
      const reply = await dispatcher.text(text, caller);
      await out.postInThread(reply, { channel: event.channel, user, threadTs: event.thread_ts ?? event.ts });
    });
  });

  app.shortcut({ callback_id: ASK_SHORTCUT, type: "message_action" }, async ({ shortcut, ack, respond }) => {
    await ack();
    await track("shortcut", async () => {
      const caller = await people.callerOf({
        team: shortcut.team?.id ?? shortcut.user.team_id,
        channel: shortcut.channel.id,
        user: shortcut.user.id,
        name: shortcut.user.username ?? shortcut.user.name,
      });
      const question = slackToPlain(shortcut.message.text ?? "").trim();
      const ask = dispatcher.commands.find((c) => c.spec.verb === null);
      const reply =
        question && ask
          ? await dispatcher.command(ask.spec.name, { question }, caller)
          : await dispatcher.text("", caller);
      const threadTs = (shortcut.message.thread_ts as string | undefined) ?? shortcut.message.ts;
      try {
        await out.postInThread(reply, { channel: shortcut.channel.id, user: shortcut.user.id, threadTs });
      } catch (err) {
        // A private channel without the bot: answer the asker through the shortcut's response_url.
        if (!platformError(err)) throw err;
        log.warn({ err: errorText(err) }, "could not post in the thread; answering the asker only");
        await respond({ response_type: "ephemeral", thread_ts: threadTs, ...messagesOf(reply)[0] });
      }
    });
  });

  listenForJoins(app, i);
}

/** The slash command: answered after the acknowledgement, or saved before it when it changes state. */
function listenForCommands(app: App, i: Inbound): void {
  const { dispatcher, people, out, log } = i;
  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    const text = slackToPlain(command.text);
    const run = async () => {
      const caller = await people.callerOf({
        team: command.team_id,
        channel: command.channel_id,
        user: command.user_id,
        name: command.user_name,
      });
      return dispatcher.text(text, caller);
    };
    if (!dispatcher.savesState(text)) {
      await ack();
      await i.track("command", async () => out.respondWith(respond, await run(), {}));
      return;
    }
    // A command that changes something is saved before Slack gets its acknowledgement. A plain
    // acknowledgement means saved (the reply follows); otherwise the acknowledgement itself says
    // "not saved" or "still saving", and the outcome of the latter follows.
    const work = run();
    const reply = await withDeadline(work, SAVE_DEADLINE_MS);
    if (!reply) {
      await ack({ response_type: "ephemeral", text: STILL_SAVING });
      await i.track("command", async () => {
        const late = await work;
        await out.respondWith(respond, late.failed ? notice(commandNotSaved(late.ref)) : late, {});
      });
      return;
    }
    if (reply.failed) {
      log.warn({ user: command.user_id, ref: reply.ref }, "command not saved; told in the acknowledgement");
      await ack({ response_type: "ephemeral", text: commandNotSaved(reply.ref) });
      return;
    }
    await ack();
    i.afterAck("command", () => out.respondWith(respond, reply, {}));
  });
}

function listenForJoins(app: App, i: Inbound): void {
  const joined = async (event: "team_join" | "member_joined_channel", m: Member, channelId?: string) => {
    const hook = i.onMemberJoined;
    if (!hook) return;
    await i.track(event, () => hook(m, { event, ...(channelId ? { channelId } : {}) }));
  };
  app.event("team_join", async ({ event, body }) => {
    const u = event.user;
    if (u.is_bot || u.deleted) return;
    const name = u.profile?.display_name || u.real_name || u.name;
    await joined("team_join", {
      platform: "slack",
      workspaceId: u.team_id ?? body.team_id,
      userId: u.id,
      userName: name,
    });
  });
  app.event("member_joined_channel", async ({ event, body, context }) => {
    if (event.user === context.botUserId) return;
    const p = await i.people.profile(event.user);
    if (p.bot) return;
    const member = {
      platform: "slack" as const,
      workspaceId: event.team ?? body.team_id,
      userId: event.user,
      userName: p.name ?? event.user,
    };
    await joined("member_joined_channel", member, event.channel);
  });
}
