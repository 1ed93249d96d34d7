import Fuse from "fuse.js";
import { stem } from "./normalize.ts";

// Words that carry no topic in a chat question. They are dropped before ranking, so that
// "how do I ..." and "what is the ..." neither help nor hurt an entry.
const STOP = new Set(
  `a about above actually after again against all almost also always am an and another any anyone anything anyway are
around as ask at away back be because been before being below best better between both but by can cannot cant could
did didnt difference different do does doesnt doing done dont down each easy either else even ever every example
explain few find for from get gets getting give go goes going good got guy guys had has have having he hello help her
here hey hi him his how however i id if im in instead into is isnt it its itself just keep kind know last let lets like
likely look lot make making many may maybe me mean means might mine more most much must my myself need needed needs
never new no nor not now of off often ok okay on once one only or other others otherwise our ours out over own pls
please possible pretty properly quick quickly quite rather real really right same say see seem seems seen set she
should show simple since so some someone something sometimes still such sure tell than thank thanks that thats the
their them then there these they thing things think this those though through thx to too tried try trying two under
until up us use used useful using usually very via vs versus want wanted wants was way ways we well were what whats
when where whether which while who whom why will with within without wont work working works would yes yet you your
yours plain english simply basically anybody explanation understand tip tips`
    .split(/\s+/)
    .flatMap((w) => [w, stem(w)]),
);

/** True for words that say nothing about the topic. */
export function isStopWord(token: string): boolean {
  return STOP.has(token);
}

/**
 * Corrects query words that no entry uses: a joined compound ("bindmount" → "bind mount") or a
 * typo ("volums" → "volume"), found by fuse.js over the pack's vocabulary of short fields.
 */
export class TermCorrector {
  /** fuse.js indexes of candidate words, one per first letter: a typo rarely hits the first letter. */
  private readonly fuses = new Map<string, Fuse<string>>();
  private readonly compounds = new Map<string, string[]>();
  private readonly cache = new Map<string, string[] | null>();

  constructor(
    private readonly vocabulary: ReadonlySet<string>,
    shortTerms: ReadonlySet<string>,
    phrases: Iterable<string[]>,
  ) {
    const words = [...shortTerms, ...[...STOP].filter((w) => w.length >= 6)].filter(
      (t) => t.length >= 4 && !t.startsWith("-") && !/\d/.test(t),
    );
    const byLetter = new Map<string, string[]>();
    for (const w of words) {
      const list = byLetter.get(w[0] as string) ?? [];
      list.push(w);
      byLetter.set(w[0] as string, list);
    }
    for (const [letter, list] of byLetter) {
      this.fuses.set(letter, new Fuse(list, { includeScore: true, threshold: 0.34, ignoreLocation: true }));
    }
    for (const tokens of phrases) {
      for (let i = 0; i + 1 < tokens.length; i++) {
        const a = tokens[i] as string;
        const b = tokens[i + 1] as string;
        if (a.length >= 3 && b.length >= 3 && !a.startsWith("-") && !b.startsWith("-")) {
          this.compounds.set(stem(a + b), [a, b]);
        }
      }
    }
  }

  /**
   * The known term(s) to search for instead of `term`: [] when it is a misspelt stop word
   * ("diffrence"), null when nothing fits.
   */
  correct(term: string): string[] | null {
    if (this.vocabulary.has(term)) return [term];
    const cached = this.cache.get(term);
    if (cached !== undefined) return cached;
    let result: string[] | null = this.compounds.get(term) ?? null;
    if (!result && term.length >= 5 && !/[\d._:/]/.test(term) && !term.startsWith("-")) {
      const best = this.fuses.get(term[0] as string)?.search(term, { limit: 3 })[0];
      // Accept only near misses: about one edit in a short word, two in a long one.
      if (best && Math.abs(best.item.length - term.length) <= 2 && (best.score ?? 1) <= 0.34) {
        result = isStopWord(best.item) ? [] : [best.item];
      }
    }
    if (this.cache.size > 5000) this.cache.clear();
    this.cache.set(term, result);
    return result;
  }
}
