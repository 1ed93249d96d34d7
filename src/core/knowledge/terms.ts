import { readFileSync } from "node:fs";
import { searchStem, stem } from "./normalize.ts";
import type { KeyLookup } from "./sorted-keys.ts";

// Words that carry no topic in a chat question. They are dropped before ranking, so that
// "how do I ..." and "what is the ..." neither help nor hurt an entry.
const STOP_WORDS =
  `a about above actually after again against all almost also always am an and another any anyone anything anyway are
around as ask at away back be because been before being below best better between both but by can cannot cant could
did didnt difference different do does doesnt doing done dont down each easy either else even ever every example
explain few find for from get gets getting give go goes going good got guy guys had has have having he hello help her
here hey hi him his how however i id if im in instead into is isnt it its itself just keep kind know last longer let lets like
likely look lot make making many may maybe me mean means might mine more most much must my myself need needed needs
never new no nor not now of off often ok okay on once one only or other others otherwise our ours out over own pls
please possible pretty properly quick quickly quite rather real really right same say see seem seems seen set she
should show simple since so some someone something sometimes still such sure tell than thank thanks that thats the
their them then there these they thing things think this those though through thx to too tried try trying two under
until up us use used useful using usually very via vs versus want wanted wants was way ways we well were what whats
when where whether which while who whom why will with within without wont work works would yes yet you your
yours plain english simply basically anybody explanation explained understand tip tips`.split(/\s+/);
const STOP = new Set(STOP_WORDS.flatMap((w) => [w, stem(w), searchStem(stem(w))]));

/** True for words that say nothing about the topic (as written, or stemmed for search). */
export function isStopWord(token: string): boolean {
  return STOP.has(token);
}

/**
 * Words people use for what the pack calls otherwise (by search stem): "delete a container" is
 * "remove" in Docker's words, a "folder" a directory. Index and questions both go through it.
 */
const SAME_AS = new Map<string, string>(
  Object.entries({
    delet: "remov",
    eras: "remov",
    wip: "remov",
    folder: "directory",
    dir: "directory",
    repo: "repository",
    creds: "credential",
  }),
);

/** Memo of `searchTerm`: the index sees the same words many times. */
const TERMS = new Map<string, string>();

/**
 * The search term of a word as written (a `surfaceTokens` token): its `searchStem`, unless the stem
 * is a stop word and the word is not ("setting" stays, rather than become "set").
 */
export function searchTerm(word: string): string {
  const known = TERMS.get(word);
  if (known !== undefined) return known;
  const t = searchStem(word);
  const stemmed = t !== word && STOP.has(t) && !STOP.has(word) ? word : t;
  const term = SAME_AS.get(stemmed) ?? stemmed;
  if (TERMS.size > 200_000) TERMS.clear();
  TERMS.set(word, term);
  return term;
}

/** Frequent English words (stemmed): a query word among them is meant as written, not a typo. */
const COMMON = new Set(
  readFileSync(new URL("./common-words.txt", import.meta.url), "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .flatMap((line) => line.split(/\s+/))
    .filter((w) => w.length > 0)
    .flatMap((w) => [w, stem(w)]),
);

// Inflections of a listed word: talking, talked, bigger, quickly, weathers.
const INFLECTIONS: [RegExp, string[]][] = [
  [/ing$/, ["", "e"]],
  [/ed$/, ["", "e"]],
  [/ers?$/, ["", "e"]],
  [/est$/, ["", "e"]],
  [/ly$/, [""]],
  [/ily$/, ["y"]],
  [/ied$/, ["y"]],
  [/ies$/, ["y"]],
  [/s$/, [""]],
];

/** True for a frequent English word or a regular inflection of one ("weather", "talking", "won"). */
export function isCommonWord(token: string): boolean {
  if (COMMON.has(token)) return true;
  for (const [suffix, endings] of INFLECTIONS) {
    if (!suffix.test(token)) continue;
    const base = token.replace(suffix, "");
    if (base.length < 2) continue;
    for (const end of endings) if (COMMON.has(base + end)) return true;
    // A doubled final consonant: stopped → stop, bigger → big.
    if (/([b-df-hj-np-tv-z])\1$/.test(base) && COMMON.has(base.slice(0, -1))) return true;
  }
  return false;
}

/**
 * Optimal string alignment distance (Levenshtein plus swaps of two neighbouring letters), or
 * `max + 1` as soon as it is certain to exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const width = b.length + 1;
  let prev2 = new Int32Array(width);
  let prev = new Int32Array(width);
  let row = new Int32Array(width);
  for (let j = 0; j < width; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = i;
    for (let j = 1; j < width; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[b.length] as number;
}

/** True when `a` is `b` with two neighbouring letters swapped. */
function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/**
 * How many edits a word of this length may be away from the word it was meant to be: words of
 * four letters only a swap of two letters ("prot", "exce"), up to eight letters one edit, longer
 * words two. Shorter words are never corrected.
 */
function allowedEdits(length: number): number {
  if (length < 4) return 0;
  return length <= 8 ? 1 : 2;
}

/** A corrected query word: the term(s) to search for, and whether they are a guess (a typo fix). */
export interface Correction {
  /** Search terms (`searchStem` forms). */
  terms: string[];
  /** The same words as written in the pack (`stem` forms). */
  words: string[];
  fuzzy: boolean;
}

/** Two neighbouring words of a title or alias, joined ("bindmount"), and the words they join. */
export function compoundsOf(phrases: Iterable<string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const tokens of phrases) {
    for (let i = 0; i + 1 < tokens.length; i++) {
      const a = tokens[i] as string;
      const b = tokens[i + 1] as string;
      if (a.length >= 3 && b.length >= 3 && !a.startsWith("-") && !b.startsWith("-")) out.set(stem(a + b), [a, b]);
    }
  }
  return out;
}

/**
 * Corrects query words that no entry uses: a joined compound ("bindmount" → "bind mount") or a
 * typo ("volums" → "volume", "dokcer" → "docker") within a small edit distance of a word of the
 * pack's short fields. Frequent English words are left alone: they are unknown, not misspelt.
 */
export class TermCorrector {
  /** Candidate words by first letter and length ("d6": docker, deploy...). */
  private readonly buckets = new Map<string, string[]>();
  private readonly rank = new Map<string, number>();
  private readonly cache = new Map<string, Correction | null>();

  /**
   * `vocabulary` holds the search terms of the packs; `shortTerms` maps each word (as written) of
   * the short fields to how many entries use it there: more used words win ties between equally
   * near candidates; `compounds` (see `compoundsOf`) split joined words.
   */
  constructor(
    private readonly vocabulary: { has(term: string): boolean },
    shortTerms: ReadonlyMap<string, number>,
    private readonly compounds: KeyLookup<string[]>,
  ) {
    const words = [...shortTerms.keys(), ...STOP_WORDS.filter((w) => w.length >= 6)].filter(
      (t) => t.length >= 4 && !t.startsWith("-") && !/[\d._:/]/.test(t),
    );
    for (const w of new Set(words)) {
      const key = `${w[0]}${w.length}`;
      const list = this.buckets.get(key) ?? [];
      list.push(w);
      this.buckets.set(key, list);
      this.rank.set(w, shortTerms.get(w) ?? 0);
    }
  }

  /** True for a word (as written) of the packs' short fields. */
  isWord(word: string): boolean {
    return this.rank.has(word);
  }

  /**
   * The search term(s) for the query word `word` (as `stem` leaves it): [] when it is a misspelt
   * stop word ("diffrence"), null when nothing fits.
   */
  correct(word: string): string[] | null {
    return this.lookup(word)?.terms ?? null;
  }

  /** Like `correct`, and says whether the result is a typo fix (weaker evidence than the word itself). */
  lookup(word: string): Correction | null {
    const term = searchTerm(word);
    if (this.vocabulary.has(term)) return { terms: [term], words: [word], fuzzy: false };
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const compound = this.compounds.get(word);
    // The stemmer keeps the doubled consonant of short verbs (running → runn, not run: a running
    // container is no `docker run`); a form the packs do not use meets its verb ("tagging" → tag).
    const single = term !== word ? term.replace(/([bcdfghjkmnpqrtvwxy])\1$/, "$1") : term;
    let result: Correction | null = compound
      ? { terms: compound.map(searchTerm), words: compound, fuzzy: false }
      : single !== term && this.vocabulary.has(single) && !isStopWord(single)
        ? { terms: [single], words: [single], fuzzy: false }
        : null;
    if (!result && !/[\d._:/]/.test(word) && !word.startsWith("-") && !isCommonWord(word)) {
      const best = this.nearest(word);
      if (best) {
        const fixed = searchTerm(best);
        result = isStopWord(fixed)
          ? { terms: [], words: [], fuzzy: true }
          : { terms: [fixed], words: [best], fuzzy: true };
      }
    }
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private nearest(term: string): string | null {
    const max = allowedEdits(term.length);
    if (max === 0) return null;
    let best: string | null = null;
    let bestKey: number[] = [];
    const consider = (w: string) => {
      // A four-letter word: only two letters swapped.
      if (term.length === 4 && !isSwap(term, w)) return;
      const d = editDistance(term, w, max);
      if (d > max) return;
      // Nearest first; then the more used word.
      const key = [d, -(this.rank.get(w) ?? 0)];
      if (best === null || compareKeys(key, bestKey) < 0) {
        best = w;
        bestKey = key;
      }
    };
    // A typo rarely hits the first letter: look among words that start with it, and for the first
    // two letters swapped ("odcker").
    for (let len = term.length - max; len <= term.length + max; len++) {
      for (const w of this.buckets.get(`${term[0]}${len}`) ?? []) consider(w);
    }
    for (const w of this.buckets.get(`${term[1]}${term.length}`) ?? []) if (isSwap(term, w)) consider(w);
    return best;
  }
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
