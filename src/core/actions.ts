import { z } from "zod";
import { entryId } from "./knowledge/schema.ts";

/**
 * Button action ids: `v1|<kind>|<args>`, at most 100 characters (Discord's custom_id cap).
 * Everything that comes back from a platform is parsed again here; a garbled or forged id is
 * refused, never trusted.
 */
export const ACTION_VERSION = "v1";
export const MAX_ACTION_LENGTH = 100;

/** A plain decimal number as it appears in an id: no signs, exponents, spaces or leading zeros. */
const count = z
  .string()
  .regex(/^(0|[1-9]\d*)$/)
  .transform(Number)
  .refine(Number.isSafeInteger);
const page = count.pipe(z.number().max(999));
const tag = z.string().regex(/^[a-z0-9-]{1,40}$/);

export const actionSchema = z.discriminatedUnion("kind", [
  /** Show an entry (related topics, suggestions), only to the presser. */
  z.object({ kind: z.literal("entry"), entry: entryId }),
  /** Open the first page of an entry's full text in a new message. */
  z.object({ kind: z.literal("more"), entry: entryId }),
  /** Move to page `page` of an entry's full text, in place. */
  z.object({ kind: z.literal("page"), entry: entryId, page }),
  /** A vote on the answer to stored query `query`. */
  z.object({ kind: z.literal("vote"), query: count.pipe(z.number().positive()), vote: z.enum(["up", "down"]) }),
  /** Post an entry that was shown only to the presser in the channel. */
  z.object({ kind: z.literal("share"), entry: entryId }),
  /** An answer to quiz round `round`: choice index counting from 0. */
  z.object({
    kind: z.literal("answer"),
    round: count.pipe(z.number().positive()),
    choice: count.pipe(z.number().max(3)),
  }),
  /** Onboarding: start (or resume) `track`, from an invitation or a welcome. */
  z.object({ kind: z.literal("obstart"), track: entryId }),
  /** Onboarding: step `step` of `track` is done, show the next. */
  z.object({ kind: z.literal("obnext"), track: entryId, step: count.pipe(z.number().max(99)) }),
  /** Onboarding: ask the checkpoint question of step `step`. */
  z.object({ kind: z.literal("obquiz"), track: entryId, step: count.pipe(z.number().max(99)) }),
  /** Onboarding: the answer `choice` to question `q` of step `step`. */
  z.object({
    kind: z.literal("obans"),
    track: entryId,
    step: count.pipe(z.number().max(99)),
    q: count.pipe(z.number().max(20)),
    choice: count.pipe(z.number().max(3)),
  }),
  /** Onboarding: pause the track. */
  z.object({ kind: z.literal("obpause"), track: entryId }),
  /** Reviews: show the presser's next due card. */
  z.object({ kind: z.literal("rvnext") }),
  /** Reviews: the answer to question `q` of `entry` shown at repetition `rep`; `choice` names the choice's text. */
  z.object({
    kind: z.literal("rvans"),
    entry: entryId,
    q: count.pipe(z.number().max(20)),
    rep: count.pipe(z.number().max(99_999)),
    choice: z.string().regex(/^[0-9a-z]{1,7}$/),
  }),
  /** Reviews: "That was easy" on the card just answered right at repetition `rep`. */
  z.object({
    kind: z.literal("rveasy"),
    entry: entryId,
    q: count.pipe(z.number().max(20)),
    rep: count.pipe(z.number().max(99_999)),
  }),
  /** Reviews: "Remember this": the entry's quiz questions join the presser's deck. */
  z.object({ kind: z.literal("rvadd"), entry: entryId }),
  /** Reviews: the confirmation of `review reset`. */
  z.object({ kind: z.literal("rvreset") }),
  /** Page `page` of the topic list, optionally filtered by `tag` ("-" for all). */
  z.object({ kind: z.literal("topics"), tag: z.union([tag, z.literal("-")]), page }),
]);

export type Action = z.infer<typeof actionSchema>;

const FIELDS: Record<Action["kind"], string[]> = {
  entry: ["entry"],
  more: ["entry"],
  page: ["entry", "page"],
  vote: ["query", "vote"],
  share: ["entry"],
  topics: ["tag", "page"],
  answer: ["round", "choice"],
  obstart: ["track"],
  obnext: ["track", "step"],
  obquiz: ["track", "step"],
  obans: ["track", "step", "q", "choice"],
  obpause: ["track"],
  rvnext: [],
  rvans: ["entry", "q", "rep", "choice"],
  rveasy: ["entry", "q", "rep"],
  rvadd: ["entry"],
  rvreset: [],
};

export function encodeAction(action: Action): string {
  const values = FIELDS[action.kind].map((f) => String((action as Record<string, unknown>)[f]));
  const id = [ACTION_VERSION, action.kind, ...values].join("|");
  if (id.length > MAX_ACTION_LENGTH) throw new Error(`action id over ${MAX_ACTION_LENGTH} characters: ${id}`);
  return id;
}

/** Parses an action id from a platform; undefined when it is garbled, forged or from an old version. */
export function parseAction(id: unknown): Action | undefined {
  if (typeof id !== "string" || id.length > MAX_ACTION_LENGTH) return undefined;
  const [version, kind, ...values] = id.split("|");
  if (version !== ACTION_VERSION || !kind || !Object.hasOwn(FIELDS, kind)) return undefined;
  const fields = FIELDS[kind as Action["kind"]];
  if (values.length !== fields.length) return undefined;
  const parsed = actionSchema.safeParse(Object.fromEntries([["kind", kind], ...fields.map((f, i) => [f, values[i]])]));
  return parsed.success ? parsed.data : undefined;
}

/** Buttons whose press changes stored state; the rest only show something. */
const SAVING: ReadonlySet<Action["kind"]> = new Set([
  "answer",
  "vote",
  "obstart",
  "obnext",
  "obans",
  "obpause",
  "rvans",
  "rveasy",
  "rvadd",
  "rvreset",
]);

/**
 * Buttons whose press is stored (a quiz or checkpoint answer, a vote, the next onboarding step, a
 * review grade): the adapters store them before they acknowledge the press, so that an
 * acknowledged press is never lost.
 */
export function savesState(action: Action | undefined): boolean {
  return action !== undefined && SAVING.has(action.kind);
}

/** The polite answer to a button whose id is garbled, forged, or points at something gone. */
export const EXPIRED = "This button has expired. Ask again with `/docker <your question>`.";
