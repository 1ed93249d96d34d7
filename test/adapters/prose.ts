import fc from "fast-check";

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
