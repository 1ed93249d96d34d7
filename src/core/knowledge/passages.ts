import { PASSAGE_BOOST, PASSAGE_FIELDS, termWords } from "./index-data.ts";
import type { Bm25Index } from "./postings.ts";
import type { Entry } from "./schema.ts";
import type { Section } from "./sections.ts";

/** One section of an entry, searchable on its own: the answer to one question. */
export interface Passage {
  /** `<entry id>#<anchor>`: stable while the heading stays. */
  id: string;
  entry: Entry;
  section: Section;
}

export function passagesOf(entries: Entry[]): Passage[] {
  return entries.flatMap((entry) =>
    entry.sections.map((section) => ({ id: `${entry.id}#${section.anchor}`, entry, section })),
  );
}

/** A question as the ranked tier read it: its terms, their weights and how each was written. */
export interface ReadQuery {
  terms: string[];
  /** For each term, the words of the question that gave it (as written). */
  words: Map<string, Set<string>>;
  /** Terms that only a typo correction gave. */
  guessed: Set<string>;
  /** The weight of the whole question, unknown words included. */
  total: number;
  weight: (term: string) => number;
}

/** What the passage rule looks at for one passage. */
export interface PassageFeatures {
  /** Share of the question (by weight) in the heading or the text; the entry's title and aliases count half. */
  coverage: number;
  /** Share of the question in the heading. */
  heading: number;
  /** How much of the heading (by weight) the question says. */
  named: number;
  /** BM25 relative to the best passage. */
  relative: number;
}

export interface PassageHit {
  passage: Passage;
  score: number;
  features: PassageFeatures;
  why?: string;
}

export const PASSAGE_WEIGHTS = { coverage: 0.45, heading: 0.2, named: 0.2, relative: 0.15 };

export function combinePassage(f: PassageFeatures): number {
  const w = PASSAGE_WEIGHTS;
  return Math.min(1, w.coverage * f.coverage + w.heading * f.heading + w.named * f.named + w.relative * f.relative);
}

interface PassageDoc {
  /** Content terms of the heading, with the word as written. */
  heading: { term: string; word: string }[];
  headingTerms: Set<string>;
  /** Content terms of heading and text. */
  terms: Set<string>;
  /** Words of heading and text as written (for the "same form" credit). */
  words: Set<string>;
}

/** The credit of a word met only in another form (restart for restarting), as for entries. */
const STEM_CREDIT = 0.8;
/** The credit of a term only a typo correction gave. */
const GUESS_CREDIT = 0.75;

/**
 * Ranks the sections of every entry against a question already read by the search index (same
 * terms, weights and corrections), so that "how do I ..." can be answered by the section that
 * says how, rather than by the entry's overview.
 */
export class PassageRanker {
  /** What the rule reads of a passage, worked out when a query first reaches it. */
  private readonly docs = new Map<number, PassageDoc>();
  /** The content terms of each entry's title and aliases: a passage is read under its entry's name. */
  private readonly context = new Map<string, Set<string>>();

  /** `passageOf` holds, for each passage of `bm25`, its entry's and its section's position. */
  constructor(
    private readonly entries: readonly Entry[],
    private readonly passageOf: Uint32Array,
    private readonly bm25: Bm25Index,
  ) {}

  private passage(i: number): Passage {
    const entry = this.entries[this.passageOf[2 * i] as number] as Entry;
    const section = entry.sections[this.passageOf[2 * i + 1] as number] as Section;
    return { id: `${entry.id}#${section.anchor}`, entry, section };
  }

  private doc(i: number, p: Passage): PassageDoc {
    let doc = this.docs.get(i);
    if (!doc) {
      if (this.docs.size >= 4096) this.docs.clear();
      const heading = termWords(p.section.heading);
      const text = termWords(p.section.text);
      doc = {
        heading,
        headingTerms: new Set(heading.map((h) => h.term)),
        terms: new Set([...heading, ...text].map((t) => t.term)),
        words: new Set([...heading, ...text].map((t) => t.word)),
      };
      this.docs.set(i, doc);
    }
    return doc;
  }

  private contextOf(e: Entry): Set<string> {
    let context = this.context.get(e.id);
    if (!context) {
      if (this.context.size >= 4096) this.context.clear();
      context = new Set(termWords([e.title, ...e.aliases].join(" ; ")).map((t) => t.term));
      this.context.set(e.id, context);
    }
    return context;
  }

  /** The passages that match the question best, scored by the passage rule. */
  rank(q: ReadQuery, searched: string[], limit: number, explain: boolean): PassageHit[] {
    if (searched.length === 0 || this.bm25.data.docCount === 0) return [];
    const raw = this.bm25.search(searched, BOOSTS, 12);
    const top = raw[0]?.score ?? 0;
    if (top <= 0) return [];
    const hits = raw.map((r) => {
      const passage = this.passage(r.doc);
      const doc = this.doc(r.doc, passage);
      const context = this.contextOf(passage.entry);
      let covered = 0;
      let inHeading = 0;
      for (const t of q.terms) {
        const asked = q.words.get(t) ?? new Set<string>();
        const credit =
          ([...asked].some((w) => doc.words.has(w)) ? 1 : STEM_CREDIT) * (q.guessed.has(t) ? GUESS_CREDIT : 1);
        if (doc.terms.has(t)) covered += credit * q.weight(t);
        else if (context.has(t)) covered += 0.5 * credit * q.weight(t);
        if (doc.headingTerms.has(t)) inHeading += credit * q.weight(t);
      }
      const headWeight = doc.heading.reduce((s, h) => s + q.weight(h.term), 0);
      const headHit = doc.heading.reduce((s, h) => s + (q.words.has(h.term) ? q.weight(h.term) : 0), 0);
      const features: PassageFeatures = {
        coverage: covered / q.total,
        heading: inHeading / q.total,
        named: headWeight > 0 ? headHit / headWeight : 0,
        relative: r.score / top,
      };
      const score = combinePassage(features);
      const why = explain
        ? `passage "${passage.section.heading}": bm25 ${r.score.toFixed(2)}, coverage ${pct(features.coverage)}, in heading ${pct(features.heading)}, heading said ${pct(features.named)}`
        : undefined;
      return { passage, score, features, why };
    });
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  /** The best-matching passages of one entry (for an entry found by its name or its summary). */
  within(entryId: string, hits: PassageHit[]): PassageHit | undefined {
    return hits.find((h) => h.passage.entry.id === entryId);
  }
}

const BOOSTS = PASSAGE_FIELDS.map((f) => PASSAGE_BOOST[f]);

const pct = (x: number) => `${Math.round(x * 100)}%`;
