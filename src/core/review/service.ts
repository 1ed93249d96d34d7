import { type Card, createEmptyCard, fsrs, Rating } from "ts-fsrs";
import { encodeAction } from "../actions.ts";
import type { Clock } from "../clock.ts";
import { UserError } from "../errors.ts";
import type { KnowledgeBase } from "../knowledge/loader.ts";
import type { Entry } from "../knowledge/schema.ts";
import type { SearchIndex } from "../knowledge/search.ts";
import type { Logger } from "../logger.ts";
import { DmClosedError, type Messenger } from "../onboarding/service.ts";
import { notice, type Reply, reply } from "../reply.ts";
import { formatInZone, nextOccurrence, parseTime, validateTimezone } from "../schedule/recurrence.ts";
import { userText } from "../user-text.ts";
import type { CardSource, DailySetting, Grade, NamedPerson, Person, QuestionRef, ReviewCard } from "./model.ts";
import {
  choiceId,
  dueText,
  easyReply,
  localDate,
  nudgeReply,
  questionReply,
  resultReply,
  STALE,
  shuffled,
} from "./render.ts";
import type { ReviewRepo } from "./repo.ts";
import { reviewStats } from "./stats.ts";

/**
 * The FSRS parameters: ts-fsrs's defaults without fuzz (a schedule people and tests can predict)
 * and without same-day learning steps: a chat bot nudges once a day, so a card's next showing is
 * at least a day away, and FSRS sets every interval itself.
 */
export const REVIEW_PARAMS = { enable_fuzz: false, enable_short_term: false } as const;

const RATING: Record<Grade, Rating.Again | Rating.Good | Rating.Easy> = {
  again: Rating.Again,
  good: Rating.Good,
  easy: Rating.Easy,
};

export interface ReviewOptions {
  kb: KnowledgeBase;
  search: SearchIndex;
  repo: ReviewRepo;
  clock: Clock;
  log: Logger;
  messenger: Messenger;
  /** The zone "today" is counted in for people without a daily reminder (DOCKHAND_TIMEZONE). */
  timezone: string;
  /** For shuffling choices; tests pass a seeded one. */
  random?: () => number;
}

export const personOf = (p: Person): Person => ({
  platform: p.platform,
  workspaceId: p.workspaceId,
  userId: p.userId,
});

/** Personal spaced repetition: cards join a deck, come back when FSRS says, and are graded by click. */
export class ReviewService {
  private readonly fsrs = fsrs(REVIEW_PARAMS);
  private readonly random: () => number;

  constructor(private readonly o: ReviewOptions) {
    this.random = o.random ?? Math.random;
  }

  private question(ref: QuestionRef): { entry: Entry; q: NonNullable<Entry["quiz"][number]> } | undefined {
    const entry = this.o.kb.byId.get(ref.entryId);
    const q = entry?.quiz[ref.question];
    return entry && q ? { entry, q } : undefined;
  }

  /** Adds the questions that are in the pack and not yet in the deck; returns how many joined. */
  async add(person: Person, refs: QuestionRef[], source: CardSource): Promise<number> {
    const now = this.o.clock.now();
    const cards = refs.filter((r) => this.question(r)).map((ref) => ({ ref, fsrs: createEmptyCard(now) }));
    return this.o.repo.addCards(personOf(person), cards, source, now);
  }

  /** A wrong answer in the channel quiz or a checkpoint: the question joins the deck (never throws). */
  async missed(person: Person, ref: QuestionRef, source: "quiz" | "onboarding"): Promise<void> {
    try {
      await this.add(person, [ref], source);
    } catch (err) {
      this.o.log.warn({ err, user: person.userId, question: `${ref.entryId}#${ref.question}` }, "could not add a card");
    }
  }

  /** "Remember this" on an answer, or `review add <topic>`: every question of the entry joins. */
  async remember(person: Person, entry: Entry, source: "remember" | "topic"): Promise<Reply> {
    if (entry.quiz.length === 0) return notice(`“${entry.title}” has no quiz questions to review.`);
    const added = await this.add(
      person,
      entry.quiz.map((_q, question) => ({ entryId: entry.id, question })),
      source,
    );
    if (added === 0) return notice(`“${entry.title}” is in your review deck already. \`/docker review\` reviews it.`);
    return notice(
      `Added ${added} ${added === 1 ? "question" : "questions"} on “${entry.title}” to your review deck. \`/docker review\` starts a review.`,
    );
  }

  async rememberEntry(person: Person, entryId: string): Promise<Reply> {
    const entry = this.o.kb.byId.get(entryId);
    return entry ? this.remember(person, entry, "remember") : STALE.gone;
  }

  /** `review add <topic>`: an entry id, or the topic a confident search finds. */
  async addTopic(person: Person, topic: string): Promise<Reply> {
    const exact = this.o.kb.byId.get(topic.toLowerCase());
    if (exact) return this.remember(person, exact, "topic");
    const result = this.o.search.search(topic);
    const top = result.hits[0]?.entry;
    if (result.confident && result.kind === "answer" && top) return this.remember(person, top, "topic");
    const ideas = result.hits.slice(0, 3).map((h) => `\`${h.entry.id}\``);
    throw new UserError(
      "unknown_topic",
      `No one topic matches ${userText(topic)}.${ideas.length > 0 ? ` Did you mean ${ideas.join(", ")}?` : ""} Type \`/docker review add <topic id>\`; \`/docker topics\` lists them.`,
    );
  }

  /** The zone the person's "today" is counted in. */
  private async zoneOf(person: Person): Promise<string> {
    return (await this.o.repo.daily(personOf(person)))?.timezone ?? this.o.timezone;
  }

  /** Cards whose question is still in the pack and that are due by the end of the person's day. */
  private async due(person: Person, now: Date, timezone: string): Promise<ReviewCard[]> {
    const today = localDate(now, timezone);
    const cards = await this.o.repo.cards(personOf(person));
    return cards.filter((c) => this.question(c) && localDate(c.fsrs.due, timezone) <= today);
  }

  /** `/docker review` and "Next": the next due card, choices shuffled. */
  async next(person: Person, fromButton = false): Promise<Reply> {
    const now = this.o.clock.now();
    const zone = await this.zoneOf(person);
    const due = await this.due(person, now, zone);
    const card = due[0];
    if (!card) {
      const all = (await this.o.repo.cards(personOf(person))).filter((c) => this.question(c));
      const soonest = all[0];
      const text = soonest
        ? `Nothing to review right now. Your next card is due ${dueText(soonest.fsrs.due, now, zone)}.`
        : "Your review deck is empty. Cards join when you miss a quiz or checkpoint question, press “Remember this” on an answer, or type `/docker review add <topic>`.";
      return reply({ text, visibility: "ephemeral", replaceOriginal: fromButton });
    }
    const { entry, q } = this.question(card) as { entry: Entry; q: Entry["quiz"][number] };
    return questionReply(entry, card, card.fsrs.reps, shuffled(q.choices, this.random), due.length, fromButton);
  }

  /** A click on a choice: graded by the choice's identity, once per showing. */
  async answer(person: Person, ref: QuestionRef, rep: number, choice: string): Promise<Reply> {
    const found = this.question(ref);
    if (!found) return STALE.gone;
    const chosen = found.q.choices.findIndex((c) => choiceId(c) === choice);
    if (chosen < 0) return STALE.gone;
    const who = personOf(person);
    const card = await this.o.repo.card(who, ref);
    if (!card) return STALE.notInDeck;
    if (card.fsrs.reps !== rep) return STALE.answered;
    const grade: Grade = chosen === found.q.answer ? "good" : "again";
    const now = this.o.clock.now();
    const after = this.fsrs.next(card.fsrs, now, RATING[grade]).card;
    const event = { entryId: ref.entryId, question: ref.question, grade, at: now, before: card.fsrs };
    if (!(await this.o.repo.recordReview(who, event, after, rep))) return STALE.answered;
    const zone = await this.zoneOf(person);
    const moreDue = (await this.due(person, now, zone)).length;
    return resultReply({
      entry: found.entry,
      ref,
      chosen,
      grade,
      reps: after.reps,
      when: dueText(after.due, now, zone),
      moreDue,
    });
  }

  /** "That was easy": the review just graded Good is graded Easy instead (same time, same card). */
  async easy(person: Person, ref: QuestionRef, rep: number): Promise<Reply> {
    const found = this.question(ref);
    if (!found) return STALE.gone;
    const who = personOf(person);
    const card = await this.o.repo.card(who, ref);
    if (!card) return STALE.notInDeck;
    const last = await this.o.repo.lastReview(who, ref);
    if (card.fsrs.reps !== rep || !last) return STALE.answered;
    if (last.grade === "easy") return notice("Already marked as easy; nothing changed.");
    if (last.grade !== "good") return STALE.notEasy;
    const after: Card = this.fsrs.next(last.before, last.at, Rating.Easy).card;
    if (!(await this.o.repo.regrade(who, ref, last, after, rep))) return STALE.answered;
    const now = this.o.clock.now();
    const zone = await this.zoneOf(person);
    const moreDue = (await this.due(person, now, zone)).length;
    return easyReply(found.entry, dueText(after.due, now, zone), moreDue);
  }

  /** `review status`: due now and this week, 30-day retention, the streak, the reminder. */
  async status(person: Person): Promise<Reply> {
    const now = this.o.clock.now();
    const who = personOf(person);
    const daily = await this.o.repo.daily(who);
    const zone = daily?.timezone ?? this.o.timezone;
    const cards = (await this.o.repo.cards(who)).filter((c) => this.question(c));
    const reviews = await this.o.repo.reviewsSince(who, new Date(now.getTime() - 400 * 86_400_000));
    const s = reviewStats(cards, reviews, now, zone);
    return reply({
      header: "Your reviews",
      fields: [
        { label: "Due now", value: String(s.dueToday) },
        { label: "Due this week", value: String(s.dueWeek) },
        { label: "Cards in your deck", value: String(cards.length) },
        {
          label: "Retention, last 30 days",
          value: s.retention === undefined ? "no reviews yet" : `${Math.round(s.retention * 100)}% of ${s.reviews30}`,
        },
        { label: "Streak", value: `${s.streak} ${s.streak === 1 ? "day" : "days"}` },
        { label: "Daily reminder", value: daily ? `${daily.time} ${daily.timezone}` : "off" },
      ],
      context: "`/docker review` starts a review · `/docker review daily 09:00 Europe/Berlin` sets a reminder",
      visibility: "ephemeral",
    });
  }

  /** `review daily 09:00 [zone]`. */
  async setDaily(person: NamedPerson, channelId: string, time: string, timezone: string | undefined): Promise<Reply> {
    const t = parseTime(time);
    const zone = validateTimezone(timezone ?? (await this.zoneOf(person)));
    const now = this.o.clock.now();
    await this.o.repo.setDaily({
      ...personOf(person),
      userName: person.userName,
      time: t,
      timezone: zone,
      setAt: now,
      channelId,
    });
    const next = nextOccurrence({ time: t, timezone: zone, days: "daily" }, now);
    return notice(
      `Daily review reminder set: ${t} ${zone}, by direct message, only on days with cards due.${next ? ` First check: ${formatInZone(next, zone)}.` : ""} \`/docker review daily off\` stops it.`,
    );
  }

  async dailyOff(person: Person): Promise<Reply> {
    return (await this.o.repo.removeDaily(personOf(person)))
      ? notice("Daily review reminder off. `/docker review daily 09:00` turns it on again.")
      : notice("You have no daily review reminder. `/docker review daily 09:00 Europe/Berlin` sets one.");
  }

  /** `review reset`: asks first. */
  async resetAsk(person: Person): Promise<Reply> {
    const cards = (await this.o.repo.cards(personOf(person))).length;
    const daily = await this.o.repo.daily(personOf(person));
    if (cards === 0 && !daily) return notice("You have no review data to delete.");
    return reply({
      text: `This deletes your ${cards} review ${cards === 1 ? "card" : "cards"}, your review history${daily ? " and your daily reminder" : ""}. It cannot be undone.`,
      buttons: [{ label: "Yes, delete my review data", action: encodeAction({ kind: "rvreset" }), style: "danger" }],
      visibility: "ephemeral",
    });
  }

  async resetConfirm(person: Person): Promise<Reply> {
    const cards = (await this.o.repo.cards(personOf(person))).length;
    const daily = await this.o.repo.daily(personOf(person));
    if (cards === 0 && !daily) return { ...notice("You have no review data to delete."), replaceOriginal: true };
    const deleted = await this.o.repo.reset(personOf(person));
    this.o.log.info({ user: person.userId, cards: deleted }, "review data reset");
    return {
      ...notice(`Deleted: ${deleted} ${deleted === 1 ? "card" : "cards"} and your review history.`),
      replaceOriginal: true,
    };
  }

  /** `review dm`: the next card in a direct message. */
  async dm(person: NamedPerson): Promise<Reply> {
    try {
      await this.o.messenger.dm(person, await this.next(person));
      return notice("Your next review card is in your direct messages.");
    } catch (err) {
      if (!(err instanceof DmClosedError)) throw err;
      return notice("I could not send you a direct message: allow DMs from this app, or type `/docker review` here.");
    }
  }

  /** For leads: the topics the team keeps forgetting (most lapses across people). */
  async team(platform: Person["platform"], workspaceId: string): Promise<Reply> {
    const rows = await this.o.repo.mostLapsed(platform, workspaceId, 10);
    if (rows.length === 0) return notice("No lapses yet: nobody has forgotten a reviewed card in this workspace.");
    return reply({
      header: "Topics the team keeps forgetting",
      bullets: rows.map((r) => {
        const title = this.o.kb.byId.get(r.entryId)?.title ?? `${r.entryId} (no longer in the pack)`;
        return `${title}: ${r.lapses} ${r.lapses === 1 ? "lapse" : "lapses"} by ${r.people} ${r.people === 1 ? "person" : "people"}`;
      }),
      context: "A lapse: a card someone knew, then got wrong in a review. These entries or trainings may need work.",
      visibility: "ephemeral",
    });
  }

  /** The daily nudge for one person at one occurrence: a DM when cards are due, nothing otherwise. */
  async nudge(s: DailySetting, at: Date): Promise<"sent" | "nothing_due" | "dm_closed"> {
    const due = (await this.due(s, at, s.timezone)).length;
    if (due === 0) return "nothing_due";
    try {
      await this.o.messenger.dm(s, nudgeReply(due));
      return "sent";
    } catch (err) {
      if (!(err instanceof DmClosedError)) throw err;
      this.o.log.warn({ user: s.userId, reason: err.reason }, "could not send a review reminder DM");
      if (await this.o.repo.markDmClosedNoticed(personOf(s))) {
        await this.o.messenger.notice(
          s.channelId,
          s,
          notice(
            "I tried to send your daily review reminder by direct message, but your DMs are closed. Allow direct messages from this app, or type `/docker review daily off`.",
          ),
        );
      }
      return "dm_closed";
    }
  }
}
