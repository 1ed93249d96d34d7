import type { KnowledgeBase } from "./loader.ts";
import { endsInCommand, normalKey, normalTokens, rawTokens, surfaceOf, surfaceTokens } from "./normalize.ts";
import { Bm25Builder, type Bm25Data, TermTable, Vocabulary } from "./postings.ts";
import type { Entry } from "./schema.ts";
import { sectionsSplitFrom } from "./sections.ts";
import type { KeyLookup } from "./sorted-keys.ts";
import { compoundsOf, isStopWord, searchTerm } from "./terms.ts";

/** The fields of an entry that ranked search reads, and how much a match in each counts. */
export const FIELD_BOOST = { title: 3, aliases: 3, tags: 1.5, commands: 1.5, summary: 1.2, body: 0.6 };
export type Field = keyof typeof FIELD_BOOST;
export const ENTRY_FIELDS = Object.keys(FIELD_BOOST) as Field[];
export const TOPIC_FIELDS: Field[] = ["title", "aliases", "tags", "commands"];

/** The fields of a passage: its heading, its text and its entry's title. */
export const PASSAGE_BOOST = { heading: 2.5, text: 1, context: 0.5 };
export const PASSAGE_FIELDS = Object.keys(PASSAGE_BOOST) as (keyof typeof PASSAGE_BOOST)[];

function compareText(e: Entry): string {
  return e.compare
    ? [...e.compare.sides.map((s) => s.label), ...e.compare.rows.flatMap((r) => [r.aspect, ...r.values])].join(" ")
    : "";
}

export function fieldsOf(e: Entry): Record<Field, string> {
  const compare = compareText(e);
  return {
    title: `${e.title} ${e.id.replace(/-/g, " ")}`,
    aliases: e.aliases.join(" ; "),
    tags: e.tags.join(" "),
    commands: e.commands.map((c) => c.cmd).join(" ; "),
    summary: `${e.summary} ${e.commands.map((c) => c.does).join(" ")}`,
    body: `${e.body} ${compare}`,
  };
}

/** Tokens for ranked search: `surfaceTokens` as search terms. */
export function searchTokens(text: string): string[] {
  return surfaceTokens(text).map(searchTerm);
}

export function contentTokens(text: string): string[] {
  return searchTokens(text).filter((t) => !isStopWord(t));
}

/** The content words of `text` as written (`surfaceTokens`), without stop words. */
export function contentWords(text: string): string[] {
  return surfaceTokens(text).filter((w) => !isStopWord(searchTerm(w)));
}

/** A word as written and the search term it gives. */
export interface TermWord {
  term: string;
  word: string;
}

/** The content words of `text` with their search terms. */
export function termWords(text: string): TermWord[] {
  return contentWords(text).map((word) => ({ term: searchTerm(word), word }));
}

/**
 * Everything search needs that depends on the whole knowledge base: term statistics, both BM25
 * indexes and the lookups of the exact and typo tiers. Built from the entries, or loaded from a
 * saved index; what a single entry or passage needs is worked out when a query reaches it.
 */
export interface IndexData {
  vocab: Vocabulary;
  /** For each term id: how many entries use the term (0: not in the packs' vocabulary). */
  df: Uint32Array;
  entries: Bm25Data;
  passages: Bm25Data;
  /** For each passage, its entry's position and its section's position (pairs). */
  passageOf: Uint32Array;
  /** Words (as written) of the short fields, with how many entries use each, in order of first use. */
  shortTerms: [string, number][];
  /** Joined neighbouring words of titles and aliases and the words they join (`compoundsOf`). */
  compounds: KeyLookup<string[]>;
  /** Normalised id, title or alias → entry id (the first entry to claim a key keeps it). */
  exact: KeyLookup<string>;
}

/**
 * The surface tokens of each section (heading, text) and of the body field. A body that its
 * sections were split from is, token for token, its preamble then their headings and texts: it is
 * not tokenised a second time, unless a command line runs from one part into the next.
 */
function sectionTokens(e: Entry): { body: string[]; sections: [string[], string[]][] } {
  const raw = e.sections.map((s): [string[], string[]] => [rawTokens(s.heading), rawTokens(s.text)]);
  const sections = raw.map(([h, t]): [string[], string[]] => [surfaceOf(h), surfaceOf(t)]);
  const compare = compareText(e);
  const split = sectionsSplitFrom(e.sections);
  if (split?.body === e.body) {
    const preamble = rawTokens(split.preamble);
    if (!endsInCommand(preamble) && raw.every(([h, t]) => !endsInCommand(h) && !endsInCommand(t))) {
      const body = surfaceOf(preamble);
      for (const [h, t] of sections) for (const part of [h, t]) for (const w of part) body.push(w);
      for (const w of surfaceTokens(compare)) body.push(w);
      return { body, sections };
    }
  }
  return { body: surfaceTokens(`${e.body} ${compare}`), sections };
}

/**
 * Builds the index data of `kb`. Each field is tokenised once; each distinct word is stemmed,
 * looked up and judged a stop word once for the whole build (`TermTable`), so that the work per
 * token is one map lookup.
 */
export function buildIndexData(kb: KnowledgeBase): IndexData {
  const vocab = new Vocabulary();
  const table = new TermTable(searchTerm, isStopWord);
  const entries = new Bm25Builder(vocab, ENTRY_FIELDS.length, table);
  const passages = new Bm25Builder(vocab, PASSAGE_FIELDS.length, table);
  const passageOf: number[] = [];
  /** Per table id: how many entries use the term, and the last entry that counted it. */
  let df = new Uint32Array(1024);
  let counted = new Int32Array(1024).fill(-1);
  const shortTerms = new Map<string, number>();
  const phrases: string[][] = [];
  const exact = new Map<string, string>();
  const topicFields = TOPIC_FIELDS.map((k) => ENTRY_FIELDS.indexOf(k));
  const summary = ENTRY_FIELDS.indexOf("summary");
  const body = ENTRY_FIELDS.indexOf("body");
  const contentOf = (words: string[], ids: number[]) => words.filter((_, j) => table.stop[ids[j] as number] === 0);
  kb.entries.forEach((e, i) => {
    const f = fieldsOf(e);
    const tokens = sectionTokens(e);
    const words = ENTRY_FIELDS.map((k, n) => (n === body ? tokens.body : surfaceTokens(f[k])));
    const ids = words.map((ws) => table.ids(ws));
    entries.add(ids);
    if (table.terms.length > df.length) {
      const grownDf = new Uint32Array(table.terms.length * 2);
      grownDf.set(df);
      df = grownDf;
      const grownCounted = new Int32Array(table.terms.length * 2).fill(-1);
      grownCounted.set(counted);
      counted = grownCounted;
    }
    const topicWords = new Set(topicFields.flatMap((k) => contentOf(words[k] as string[], ids[k] as number[])));
    const count = (id: number) => {
      if (counted[id] === i || table.stop[id] === 1) return;
      counted[id] = i;
      df[id] = (df[id] as number) + 1;
    };
    for (const w of topicWords) count(table.id(w));
    for (const k of [summary, body]) for (const id of ids[k] as number[]) count(id);
    for (const w of topicWords) shortTerms.set(w, (shortTerms.get(w) ?? 0) + 1);
    for (const a of [e.title, ...e.aliases]) phrases.push(normalTokens(a));
    // A reference file's title ("Overview", "Setup") names no topic of its own: found by id only.
    for (const name of e.source ? [e.id.replace(/-/g, " ")] : [e.id.replace(/-/g, " "), e.title, ...e.aliases]) {
      const key = normalKey(name);
      if (key && !exact.has(key)) exact.set(key, e.id);
    }
    const context = table.contentIds(surfaceTokens(e.title));
    tokens.sections.forEach(([heading, text], j) => {
      passages.add([table.contentIds(heading), table.contentIds(text), context]);
      passageOf.push(i, j);
    });
  });
  const counts = new Uint32Array(vocab.size);
  for (let id = 0; id < table.terms.length; id++) {
    const n = df[id] ?? 0;
    if (n > 0) counts[vocab.add(table.terms[id] as string)] = n;
  }
  return {
    vocab,
    df: counts,
    entries: entries.finish(),
    passages: passages.finish(),
    passageOf: Uint32Array.from(passageOf),
    shortTerms: [...shortTerms],
    compounds: compoundsOf(phrases),
    exact,
  };
}
