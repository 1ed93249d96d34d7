import type { Card } from "ts-fsrs";
import type { CardSource, DailySetting, LapseRow, Person, QuestionRef, ReviewCard, ReviewEvent } from "./model.ts";

/**
 * What the review feature needs from storage. Every method is atomic and durable when it
 * resolves; the store owns no scheduling rule (ts-fsrs in the service computes every state).
 */
export interface ReviewRepo {
  /** Adds cards the person does not have yet (a card already in the deck keeps its state); returns how many were new. */
  addCards(person: Person, cards: { ref: QuestionRef; fsrs: Card }[], source: CardSource, at: Date): Promise<number>;
  /** Every card of the person's deck, soonest due first. */
  cards(person: Person): Promise<ReviewCard[]>;
  card(person: Person, ref: QuestionRef): Promise<ReviewCard | undefined>;
  /**
   * Stores a review: the card's new state and the event, only if the card still has `expectedReps`
   * repetitions (so a second click on the same button, or a race with another replica, changes
   * nothing). False when it did not.
   */
  recordReview(person: Person, event: ReviewEvent, after: Card, expectedReps: number): Promise<boolean>;
  /** The person's latest review of that card, if any. */
  lastReview(person: Person, ref: QuestionRef): Promise<ReviewEvent | undefined>;
  /**
   * Re-grades the latest review of a card (its time stays): sets the card to `after` and the
   * event's grade, only if the card still has `expectedReps` repetitions and that review's grade
   * is still `from`.
   */
  regrade(person: Person, ref: QuestionRef, from: ReviewEvent, after: Card, expectedReps: number): Promise<boolean>;
  /** The person's reviews at or after `since`, oldest first. */
  reviewsSince(person: Person, since: Date): Promise<ReviewEvent[]>;
  /** Deletes the person's cards, reviews and nudge setting; returns how many cards went. */
  reset(person: Person): Promise<number>;

  /** Turns the daily nudge on (or moves it), clearing the closed-DM mark. */
  setDaily(setting: Omit<DailySetting, "dmClosedNoticed">): Promise<void>;
  /** Turns it off; false when it was not on. */
  removeDaily(person: Person): Promise<boolean>;
  daily(person: Person): Promise<DailySetting | undefined>;
  /** Every nudge that is on (for the scheduler). */
  dailies(): Promise<DailySetting[]>;
  /** Marks that the person was told their DMs are closed; true only for the first caller. */
  markDmClosedNoticed(person: Person): Promise<boolean>;

  /** The entries with the most lapses across the workspace's people, most first. */
  mostLapsed(platform: Person["platform"], workspaceId: string, limit: number): Promise<LapseRow[]>;
}
