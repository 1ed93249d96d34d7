import type { AnswersService } from "./answers/service.ts";
import type { Caller } from "./caller.ts";
import type { Clock } from "./clock.ts";
import type { KnowledgeBase } from "./knowledge/loader.ts";
import type { SearchIndex } from "./knowledge/search.ts";
import type { Logger } from "./logger.ts";
import type { OnboardingService } from "./onboarding/service.ts";
import type { QuizService } from "./quiz/service.ts";
import type { Reply } from "./reply.ts";
import type { ReviewService } from "./review/service.ts";
import type { SuggestKind } from "./suggest.ts";
import type { Telemetry } from "./telemetry.ts";

/** A typed option, the same shape Discord's slash commands deliver natively. */
export type OptionSpec =
  | {
      type: "string";
      description: string;
      required?: boolean;
      maxLength?: number;
      /** Suggest values as the member types (Discord autocomplete); excludes `choices`. */
      suggest?: SuggestKind;
      choices?: readonly string[];
    }
  | { type: "integer"; description: string; required?: boolean; min?: number; max?: number };

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<O extends OptionSpec> = O extends { type: "integer" }
  ? number
  : O extends { choices: readonly (infer C)[] }
    ? C
    : string;

/** The option values a handler receives, inferred from its spec. */
export type OptionsOf<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { required: true } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/** Everything a handler may use. Built once in the composition root. */
export interface Context {
  kb: KnowledgeBase;
  search: SearchIndex;
  clock: Clock;
  log: Logger;
  /** User ids that are admins on every platform (DOCKHAND_ADMINS). */
  admins: ReadonlySet<string>;
  /** The command list, for help. */
  commands: readonly AnyCommand[];
  quiz: QuizService;
  onboarding: OnboardingService;
  answers: AnswersService;
  review: ReviewService;
  /** The time zone used when a command gives none (DOCKHAND_TIMEZONE). */
  timezone: string;
  /** Counts and timings for operators (metrics); absent in tests and the CLI. */
  telemetry?: Telemetry;
}

export interface CommandSpec<S extends OptionSpecs> {
  /** The Discord command name, and the Slack verb after /docker (null for the question form). */
  name: string;
  description: string;
  options: S;
  /** Only admins may run it: the platform hides it from others where it can. */
  admin?: boolean;
  /**
   * Also works in a direct message with the bot (asking, browsing, onboarding). Without it a command
   * needs a server: the quiz is posted in a channel, and admin commands rely on server permissions.
   */
  dm?: true;
  /** Slack and terminal: the first word that selects this command (null: the default question form). */
  verb: string | null;
  /** Turns the free text after the verb into options; null when it is not valid for this command. */
  parseText(rest: string): OptionsOf<S> | null;
  /**
   * True when running these options changes stored state (a schedule, an enrolment, a setting):
   * adapters then store it before they acknowledge, and an acknowledgement means it is saved.
   */
  saves?: (options: OptionsOf<S>) => boolean;
  /** Example invocations for help, in the free-text form. */
  examples: string[];
}

export interface Command<S extends OptionSpecs> {
  spec: CommandSpec<S>;
  run(options: OptionsOf<S>, caller: Caller, ctx: Context): Promise<Reply>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds commands of every option shape.
export type AnyCommand = Command<any>;

/** Identity helper that checks a command against its own spec and infers its option types. */
export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}

export type { Caller } from "./caller.ts";
export { isAdmin } from "./caller.ts";
