import type { Card } from "ts-fsrs";

/** A person who reviews: cards, settings and history are kept per platform, workspace and user. */
export interface Person {
  platform: "slack" | "discord" | "console";
  workspaceId: string;
  userId: string;
}

/** A person with the name Dockhand greets them by. */
export interface NamedPerson extends Person {
  userName: string;
}

/** One quiz question of the pack: the entry and the question's index in it ("entryId#index"). */
export interface QuestionRef {
  entryId: string;
  question: number;
}

/** How a card joined the deck. */
export type CardSource = "quiz" | "onboarding" | "remember" | "topic";

/**
 * A person's card for one question: the FSRS state as ts-fsrs computes it (due, stability,
 * difficulty, reps, lapses, …) plus where and when it came from.
 */
export interface ReviewCard extends QuestionRef {
  fsrs: Card;
  source: CardSource;
  addedAt: Date;
}

/** The grades Dockhand gives: wrong → Again, right → Good, "That was easy" → Easy. */
export type Grade = "again" | "good" | "easy";

/** One review as it happened: the grade and the card as it was just before it (to re-grade as easy). */
export interface ReviewEvent extends QuestionRef {
  grade: Grade;
  at: Date;
  before: Card;
}

/** The daily nudge a person opted into, and where to tell them if their DMs are closed. */
export interface DailySetting extends NamedPerson {
  /** "HH:MM", local to `timezone`. */
  time: string;
  timezone: string;
  /** When it was set: the first nudge is the first occurrence after it. */
  setAt: Date;
  /** The channel the person set it in: the one place a closed-DM notice may go. */
  channelId: string;
  /** True once the person was told (once) that their DMs are closed. */
  dmClosedNoticed: boolean;
}

/** A topic the team keeps failing: lapses across everyone's cards on one entry. */
export interface LapseRow {
  entryId: string;
  lapses: number;
  /** How many people have lapsed on it at least once. */
  people: number;
}
