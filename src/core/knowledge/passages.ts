import MiniSearch from "minisearch";
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
  private readonly mini: MiniSearch<{ id: string; heading: string; text: string; context: string }>;
  private readonly docs = new Map<string, PassageDoc>();
  private readonly byId = new Map<string, Passage>();
  /** The content terms of each entry's title and aliases: a passage is read under its entry's name. */
  private readonly context = new Map<string, Set<string>>();

  constructor(
    readonly passages: Passage[],
    tokens: (text: string) => { term: string; word: string }[],
  ) {
    this.mini = new MiniSearch({
      fields: ["heading", "text", "context"],
      storeFields: [],
      tokenize: (text) => tokens(text).map((t) => t.term),
      processTerm: (t) => t,
      searchOptions: { tokenize: (t) => t.split(" "), processTerm: (t) => t },
    });
    for (const p of passages) {
      const heading = tokens(p.section.heading);
      const text = tokens(p.section.text);
      this.docs.set(p.id, {
        heading,
        headingTerms: new Set(heading.map((h) => h.term)),
        terms: new Set([...heading, ...text].map((t) => t.term)),
        words: new Set([...heading, ...text].map((t) => t.word)),
      });
      this.byId.set(p.id, p);
      if (!this.context.has(p.entry.id)) {
        this.context.set(
          p.entry.id,
          new Set(tokens([p.entry.title, ...p.entry.aliases].join(" ; ")).map((t) => t.term)),
        );
      }
    }
    this.mini.addAll(
      passages.map((p) => ({ id: p.id, heading: p.section.heading, text: p.section.text, context: p.entry.title })),
    );
  }

  /** The passages that match the question best, scored by the passage rule. */
  rank(q: ReadQuery, searched: string[], limit: number, explain: boolean): PassageHit[] {
    if (searched.length === 0 || this.passages.length === 0) return [];
    const raw = this.mini
      .search(searched.join(" "), { boost: { heading: 2.5, text: 1, context: 0.5 }, combineWith: "OR" })
      .slice(0, 12);
    const top = raw[0]?.score ?? 0;
    if (top <= 0) return [];
    const hits = raw.map((r) => {
      const passage = this.byId.get(r.id) as Passage;
      const doc = this.docs.get(r.id) as PassageDoc;
      const context = this.context.get(passage.entry.id) ?? new Set<string>();
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

const pct = (x: number) => `${Math.round(x * 100)}%`;
