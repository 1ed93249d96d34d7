import fc from "fast-check";
import type { Button, Reply } from "../../src/core/reply.ts";

/** How a platform's property tests shape the replies they throw at a renderer. */
export interface ReplyShape {
  /** Fragments that stress the platform's syntax (mentions, entities, fences), mixed into the text. */
  tokens: string[];
  /** Characters of the long runs of text, up to `longRun` of them. */
  runOf: string[];
  longRun: number;
  /** Longest id after `v1|kind|`, and the cap of the whole id (none: uncapped). */
  actionId: { idMax: number; cap?: number };
  /** Sides of a comparison table, each at most `side` long; `exact`: every row has one value per side. */
  table: { min: number; max: number; side: number; rows: number; exact: boolean };
  fields: { label: number; max: number };
  code: number;
  buttons: number;
}

/** Any Reply, as messy as people and packs can make it, within the limits the shape gives. */
export function anyReply(s: ReplyShape): fc.Arbitrary<Reply> {
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...s.tokens) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...s.runOf), maxLength: s.longRun }) },
  );
  const messy = (maxTokens: number) => fc.array(token, { maxLength: maxTokens, size: "max" }).map((t) => t.join(""));
  const anyText = (maxLength: number) =>
    fc.oneof(
      messy(Math.max(1, Math.floor(maxLength / 20))).map((t) => t.slice(0, maxLength)),
      fc.string({ unit: "grapheme", maxLength, size: "max" }),
    );
  const action = fc
    .tuple(
      fc.constantFrom("entry", "more", "share", "topics"),
      fc.stringMatching(new RegExp(`^[a-z0-9-]{1,${s.actionId.idMax}}$`)),
    )
    .map(([kind, id]) => `v1|${kind}|${id}`.slice(0, s.actionId.cap));
  const anyButton: fc.Arbitrary<Button> = fc.record(
    {
      label: fc.oneof(anyText(20), anyText(200)),
      action: fc.oneof(action, fc.constantFrom("v1|entry|docker-run", "v1|more|docker-run")),
      style: fc.constantFrom("primary", "danger"),
    },
    { requiredKeys: ["label", "action"] },
  );
  const t = s.table;
  const anyTable = fc.integer({ min: t.min, max: t.max }).chain((n) =>
    fc.record({
      sides: fc.array(anyText(t.side), { minLength: n, maxLength: n }),
      rows: fc.array(
        fc.record({
          aspect: anyText(t.side),
          values: fc.array(
            anyText(2500),
            t.exact ? { minLength: n, maxLength: n } : { minLength: 0, maxLength: n + 1 },
          ),
        }),
        { maxLength: t.rows, size: "max" },
      ),
    }),
  );
  return fc.record(
    {
      header: anyText(400),
      text: anyText(20000),
      fields: fc.array(fc.record({ label: anyText(s.fields.label), value: anyText(2500) }), {
        maxLength: s.fields.max,
        size: "max",
      }),
      comparison: anyTable,
      code: anyText(s.code),
      bullets: fc.array(anyText(400), { maxLength: 100, size: "max" }),
      buttons: fc.array(anyButton, { maxLength: s.buttons, size: "max" }),
      context: anyText(4000),
      visibility: fc.constantFrom("channel", "ephemeral"),
      fallback: anyText(5000),
      replaceOriginal: fc.boolean(),
    },
    { requiredKeys: ["visibility", "fallback"] },
  );
}
