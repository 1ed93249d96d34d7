import type { KnowledgeBase } from "./loader.ts";
import { normalKey, normalTokens, surfaceTokens } from "./normalize.ts";
import { Bm25Builder, type Bm25Data, Vocabulary } from "./postings.ts";
import type { Entry } from "./schema.ts";
import { compoundsOf, isStopWord, searchTerm } from "./terms.ts";

/** The fields of an entry that ranked search reads, and how much a match in each counts. */
export const FIELD_BOOST = { title: 3, aliases: 3, tags: 1.5, commands: 1.5, summary: 1.2, body: 0.6 };
export type Field = keyof typeof FIELD_BOOST;
export const ENTRY_FIELDS = Object.keys(FIELD_BOOST) as Field[];
export const TOPIC_FIELDS: Field[] = ["title", "aliases", "tags", "commands"];

/** The fields of a passage: its heading, its text and its entry's title. */
export const PASSAGE_BOOST = { heading: 2.5, text: 1, context: 0.5 };
export const PASSAGE_FIELDS = Object.keys(PASSAGE_BOOST) as (keyof typeof PASSAGE_BOOST)[];

export function fieldsOf(e: Entry): Record<Field, string> {
  const compare = e.compare
    ? [...e.compare.sides.map((s) => s.label), ...e.compare.rows.flatMap((r) => [r.aspect, ...r.values])].join(" ")
    : "";
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
  compounds: [string, string[]][];
  /** Normalised id, title or alias → entry id (the first entry to claim a key keeps it). */
  exact: [string, string][];
}

/** Builds the index data of `kb`, tokenising each field once. */
export function buildIndexData(kb: KnowledgeBase): IndexData {
  const vocab = new Vocabulary();
  const entries = new Bm25Builder(vocab, ENTRY_FIELDS.length);
  const passages = new Bm25Builder(vocab, PASSAGE_FIELDS.length);
  const passageOf: number[] = [];
  const df = new Map<string, number>();
  const shortTerms = new Map<string, number>();
  const phrases: string[][] = [];
  const exact = new Map<string, string>();
  const keep = (t: string) => !isStopWord(t);
  kb.entries.forEach((e, i) => {
    const f = fieldsOf(e);
    const words = ENTRY_FIELDS.map((k) => surfaceTokens(f[k]));
    const terms = words.map((ws) => ws.map(searchTerm));
    entries.add(terms, keep);
    const content = (k: number) => (words[k] as string[]).filter((_, j) => keep((terms[k] as string[])[j] as string));
    const topicWords = new Set(TOPIC_FIELDS.flatMap((k) => content(ENTRY_FIELDS.indexOf(k))));
    const all = new Set([...topicWords, ...content(ENTRY_FIELDS.indexOf("summary"))].map(searchTerm));
    for (const t of terms[ENTRY_FIELDS.indexOf("body")] as string[]) if (keep(t)) all.add(t);
    for (const t of all) df.set(t, (df.get(t) ?? 0) + 1);
    for (const w of topicWords) shortTerms.set(w, (shortTerms.get(w) ?? 0) + 1);
    for (const a of [e.title, ...e.aliases]) phrases.push(normalTokens(a));
    // A reference file's title ("Overview", "Setup") names no topic of its own: found by id only.
    for (const name of e.source ? [e.id.replace(/-/g, " ")] : [e.id.replace(/-/g, " "), e.title, ...e.aliases]) {
      const key = normalKey(name);
      if (key && !exact.has(key)) exact.set(key, e.id);
    }
    const context = termWords(e.title).map((t) => t.term);
    e.sections.forEach((s, j) => {
      passages.add([termWords(s.heading).map((t) => t.term), termWords(s.text).map((t) => t.term), context]);
      passageOf.push(i, j);
    });
  });
  for (const t of df.keys()) vocab.add(t);
  const counts = new Uint32Array(vocab.size);
  for (const [t, n] of df) counts[vocab.add(t)] = n;
  return {
    vocab,
    df: counts,
    entries: entries.finish(),
    passages: passages.finish(),
    passageOf: Uint32Array.from(passageOf),
    shortTerms: [...shortTerms],
    compounds: compoundsOf(phrases),
    exact: [...exact],
  };
}
