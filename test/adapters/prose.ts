import fc from "fast-check";
import { reply } from "../../src/core/reply.ts";

/** Words that Markdown leaves alone, a few longer than a whole section or field. */
const letters = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCXYZ0123456789éßжλ中文😀👍🏽".split(/(?:)/u));
const word = fc.oneof(
  { weight: 150, arbitrary: fc.string({ unit: letters, minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: letters, minLength: 1000, maxLength: 7000 }) },
);

/** Up to `maxWords` words joined by spaces, line breaks and paragraph breaks: the words, and the text. */
export const prose = (maxWords: number) =>
  fc
    .array(fc.tuple(word, fc.constantFrom(" ", " ", " ", "\n", "\n\n")), {
      minLength: 1,
      maxLength: maxWords,
      size: "max",
    })
    .map((parts) => ({ words: parts.map(([w]) => w), text: parts.map(([w, sep]) => w + sep).join("") }));

type Prose = { words: string[]; text: string };

/**
 * A reply full of words (long text, bullets, fields, comparison cells, context) and the pieces it was
 * made of, for "no word is lost" properties: every piece's words must appear, in order, in what a
 * renderer shows.
 */
export const wordyReply = fc
  .tuple(
    prose(3000),
    fc.array(prose(30), { maxLength: 40 }),
    fc.array(fc.tuple(prose(3), prose(400)), { maxLength: 12 }),
    fc.array(fc.tuple(prose(3), prose(300), prose(300)), { maxLength: 4 }),
    prose(600),
  )
  .map(([text, bullets, fields, rows, context]) => ({
    reply: reply({
      header: "Words",
      text: text.text,
      bullets: bullets.map((b) => b.text),
      fields: fields.map(([l, v]) => ({ label: l.text, value: v.text })),
      comparison: {
        sides: ["Left", "Right"],
        rows: rows.map(([a, x, y]) => ({ aspect: a.text, values: [x.text, y.text] })),
      },
      context: context.text,
    }),
    text,
    bullets,
    fields: fields as [Prose, Prose][],
    rows: rows as [Prose, Prose, Prose][],
    context,
  }));
