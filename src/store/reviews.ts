import { type Kysely, type Selectable, sql } from "kysely";
import type { Card } from "ts-fsrs";
import type {
  CardSource,
  DailySetting,
  Grade,
  LapseRow,
  Person,
  QuestionRef,
  ReviewCard,
  ReviewEvent,
} from "../core/review/model.ts";
import type { ReviewRepo } from "../core/review/repo.ts";
import type { ReviewCardsTable, ReviewDailyTable, ReviewLogTable } from "./reviews-schema.ts";
import type { Database } from "./schema.ts";
import { Transactions } from "./transactions.ts";

/** The review deck, history and daily nudges over kysely (SQLite and PostgreSQL). */
export class ReviewStore implements ReviewRepo {
  readonly #tx: Transactions;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: "sqlite" | "postgres",
  ) {
    this.#tx = new Transactions(db, dialect);
  }

  async addCards(
    person: Person,
    cards: { ref: QuestionRef; fsrs: Card }[],
    source: CardSource,
    at: Date,
  ): Promise<number> {
    if (cards.length === 0) return 0;
    const result = await this.db
      .insertInto("review_cards")
      .values(
        cards.map((c) => ({
          ...personValues(person),
          ...refValues(c.ref),
          source,
          added_at: ms(at),
          ...cardValues(c.fsrs),
        })),
      )
      .onConflict((oc) => oc.columns(["platform", "workspace_id", "user_id", "entry_id", "question"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  async cards(person: Person): Promise<ReviewCard[]> {
    const rows = await this.db
      .selectFrom("review_cards")
      .selectAll()
      .where((eb) => eb.and(personWhere(person)))
      .orderBy("due")
      .orderBy("entry_id")
      .orderBy("question")
      .execute();
    return rows.map(toCard);
  }

  async card(person: Person, ref: QuestionRef): Promise<ReviewCard | undefined> {
    const row = await this.db
      .selectFrom("review_cards")
      .selectAll()
      .where((eb) => eb.and({ ...personWhere(person), ...refValues(ref) }))
      .executeTakeFirst();
    return row ? toCard(row) : undefined;
  }

  recordReview(person: Person, event: ReviewEvent, after: Card, expectedReps: number): Promise<boolean> {
    return this.#tx.run(async (trx) => {
      const updated = await trx
        .updateTable("review_cards")
        .set(cardValues(after))
        .where((eb) => eb.and({ ...personWhere(person), ...refValues(event) }))
        .where("reps", "=", expectedReps)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return false;
      await trx
        .insertInto("review_log")
        .values({
          ...personValues(person),
          ...refValues(event),
          grade: event.grade,
          at: ms(event.at),
          before: JSON.stringify(event.before),
        })
        .execute();
      return true;
    });
  }

  async lastReview(person: Person, ref: QuestionRef): Promise<ReviewEvent | undefined> {
    const row = await this.latest(this.db, person, ref);
    return row ? toEvent(row) : undefined;
  }

  private latest(db: Kysely<Database>, person: Person, ref: QuestionRef) {
    return db
      .selectFrom("review_log")
      .selectAll()
      .where((eb) => eb.and({ ...personWhere(person), ...refValues(ref) }))
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  regrade(person: Person, ref: QuestionRef, from: ReviewEvent, after: Card, expectedReps: number): Promise<boolean> {
    return this.#tx.run(async (trx) => {
      const last = await this.latest(trx, person, ref);
      if (!last || last.grade !== from.grade || last.at !== ms(from.at)) return false;
      const updated = await trx
        .updateTable("review_cards")
        .set(cardValues(after))
        .where((eb) => eb.and({ ...personWhere(person), ...refValues(ref) }))
        .where("reps", "=", expectedReps)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return false;
      await trx.updateTable("review_log").set({ grade: "easy" }).where("id", "=", last.id).execute();
      return true;
    });
  }

  async reviewsSince(person: Person, since: Date): Promise<ReviewEvent[]> {
    const rows = await this.db
      .selectFrom("review_log")
      .selectAll()
      .where((eb) => eb.and(personWhere(person)))
      .where("at", ">=", ms(since))
      .orderBy("at")
      .orderBy("id")
      .execute();
    return rows.map(toEvent);
  }

  reset(person: Person): Promise<number> {
    return this.#tx.run(async (trx) => {
      const cards = await trx
        .deleteFrom("review_cards")
        .where((eb) => eb.and(personWhere(person)))
        .executeTakeFirst();
      await trx
        .deleteFrom("review_log")
        .where((eb) => eb.and(personWhere(person)))
        .execute();
      await trx
        .deleteFrom("review_daily")
        .where((eb) => eb.and(personWhere(person)))
        .execute();
      return Number(cards.numDeletedRows);
    });
  }

  async setDaily(s: Omit<DailySetting, "dmClosedNoticed">): Promise<void> {
    const values = {
      user_name: s.userName,
      time: s.time,
      timezone: s.timezone,
      set_at: ms(s.setAt),
      channel_id: s.channelId,
      dm_closed_noticed: 0,
    };
    await this.db
      .insertInto("review_daily")
      .values({ ...personValues(s), ...values })
      .onConflict((oc) => oc.columns(["platform", "workspace_id", "user_id"]).doUpdateSet(values))
      .execute();
  }

  async removeDaily(person: Person): Promise<boolean> {
    const result = await this.db
      .deleteFrom("review_daily")
      .where((eb) => eb.and(personWhere(person)))
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async daily(person: Person): Promise<DailySetting | undefined> {
    const row = await this.db
      .selectFrom("review_daily")
      .selectAll()
      .where((eb) => eb.and(personWhere(person)))
      .executeTakeFirst();
    return row ? toDaily(row) : undefined;
  }

  async dailies(): Promise<DailySetting[]> {
    const rows = await this.db
      .selectFrom("review_daily")
      .selectAll()
      .orderBy("platform")
      .orderBy("workspace_id")
      .orderBy("user_id")
      .execute();
    return rows.map(toDaily);
  }

  async markDmClosedNoticed(person: Person): Promise<boolean> {
    const result = await this.db
      .updateTable("review_daily")
      .set({ dm_closed_noticed: 1 })
      .where((eb) => eb.and(personWhere(person)))
      .where("dm_closed_noticed", "=", 0)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async mostLapsed(platform: Person["platform"], workspaceId: string, limit: number): Promise<LapseRow[]> {
    if (!Number.isInteger(limit) || limit <= 0) return [];
    const lapses = sql<number>`cast(sum(lapses) as integer)`;
    const rows = await this.db
      .selectFrom("review_cards")
      .select([
        "entry_id",
        lapses.as("lapses"),
        sql<number>`cast(count(distinct case when lapses > 0 then user_id end) as integer)`.as("people"),
      ])
      .where("platform", "=", platform)
      .where("workspace_id", "=", workspaceId)
      .groupBy("entry_id")
      .having(lapses, ">", 0)
      .orderBy(lapses, "desc")
      .orderBy("entry_id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ entryId: r.entry_id, lapses: Number(r.lapses), people: Number(r.people) }));
  }
}

function ms(date: Date): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError("ReviewStore: not a valid Date");
  return t;
}

const personValues = (p: Person) => ({ platform: p.platform, workspace_id: p.workspaceId, user_id: p.userId });
const personWhere = personValues;
const refValues = (r: QuestionRef) => ({ entry_id: r.entryId, question: r.question });

function cardValues(c: Card) {
  return {
    due: ms(c.due),
    stability: c.stability,
    difficulty: c.difficulty,
    elapsed_days: c.elapsed_days,
    scheduled_days: c.scheduled_days,
    learning_steps: c.learning_steps,
    reps: c.reps,
    lapses: c.lapses,
    state: c.state,
    last_review: c.last_review ? ms(c.last_review) : null,
  };
}

function toCard(r: Selectable<ReviewCardsTable>): ReviewCard {
  return {
    entryId: r.entry_id,
    question: r.question,
    source: r.source as CardSource,
    addedAt: new Date(r.added_at),
    fsrs: {
      due: new Date(r.due),
      stability: r.stability,
      difficulty: r.difficulty,
      elapsed_days: r.elapsed_days,
      scheduled_days: r.scheduled_days,
      learning_steps: r.learning_steps,
      reps: r.reps,
      lapses: r.lapses,
      state: r.state,
      ...(r.last_review === null ? {} : { last_review: new Date(r.last_review) }),
    },
  };
}

/** The card JSON in the log, with its dates as Dates again. */
function parseCard(json: string): Card {
  const c = JSON.parse(json) as Card & { due: string; last_review?: string };
  return { ...c, due: new Date(c.due), ...(c.last_review ? { last_review: new Date(c.last_review) } : {}) };
}

function toEvent(r: Selectable<ReviewLogTable>): ReviewEvent {
  return {
    entryId: r.entry_id,
    question: r.question,
    grade: r.grade as Grade,
    at: new Date(r.at),
    before: parseCard(r.before),
  };
}

function toDaily(r: Selectable<ReviewDailyTable>): DailySetting {
  return {
    platform: r.platform as Person["platform"],
    workspaceId: r.workspace_id,
    userId: r.user_id,
    userName: r.user_name,
    time: r.time,
    timezone: r.timezone,
    setAt: new Date(r.set_at),
    channelId: r.channel_id,
    dmClosedNoticed: r.dm_closed_noticed === 1,
  };
}
