import { UserError } from "../errors.ts";
import {
  buildIndexData,
  contentTokens,
  contentWords,
  ENTRY_FIELDS,
  FIELD_BOOST,
  fieldsOf,
  type IndexData,
  PASSAGE_FIELDS,
  TOPIC_FIELDS,
} from "./index-data.ts";
import type { KnowledgeBase } from "./loader.ts";
import { normalKey, surfaceTokens } from "./normalize.ts";
import { type Passage, type PassageHit, PassageRanker, type ReadQuery } from "./passages.ts";
import { Bm25Index } from "./postings.ts";
import type { Entry } from "./schema.ts";
import { offTopic } from "./scope.ts";
import { searchTerm, TermCorrector } from "./terms.ts";

export const MAX_QUERY_LENGTH = 300;

export type SearchKind = "answer" | "comparison" | "suggestions" | "none";
export type Tier = "exact" | "comparison" | "ranked";

export interface SearchHit {
  entry: Entry;
  /** The section of the entry that answers the question, when one does clearly better than its summary. */
  passage?: Passage;
  /** Match quality between 0 and 1. */
  score: number;
  /** Why the hit ranked where it did (filled with `explain`). */
  why?: string;
  features?: HitFeatures;
}

export interface SearchResult {
  query: string;
  kind: SearchKind;
  confident: boolean;
  tier: Tier | null;
  hits: SearchHit[];
  /** A close second from another entry: the answer says "Also see" rather than pretend to be sure. */
  alsoSee?: SearchHit;
  /** For `explain`: the terms searched, after stop words and corrections. */
  terms?: string[];
  /** For `explain`: what the passage rule decided, and why. */
  explained?: string;
}

/** What `rank` found, and how it read the question (for the passage rule). */
interface Ranked extends Omit<SearchResult, "query" | "tier"> {
  read: ReadQuery;
  /** The terms that selected candidates (the rarer ones). */
  searched: string[];
  /** The question tells enough to be answered at all. */
  specific: boolean;
}

/** Thresholds of the passage rule: see `withPassages`. */
export const PASSAGE = {
  /** A section of the answering entry this good may replace its summary. */
  within: 0.5,
  /** A passage this good may answer on its own. */
  confident: 0.62,
  /** ...when it covers this much of the question. */
  alone: 0.7,
  /** A passage covering this much more of the question than its entry's summary is the better answer. */
  overSummary: 0.1,
  /** A question whose words are this much the entry's own name, aliases and tags asks about the whole entry. */
  namesOnly: 0.85,
  /** A section whose heading holds this much of the question, and the question this much of the heading, is asked by name. */
  asHeading: 0.75,
  /** A section whose heading holds the whole question is asked by name, whatever else the heading says. */
  wholeHeading: 0.95,
  /** ...when the question says this much of the heading ("swarm" says little of "Fix: this node is not a swarm manager"). */
  wholeNamed: 0.4,
  /** ...or this much, when the question's words are all the entry's own name and aliases ("publish a port"). */
  namedTopic: 0.6,
  /** A section of another entry whose heading holds this much of the question is asked by name... */
  takeOverHeading: 0.9,
  /** ...and may take over from a top entry this far ahead of it... */
  headingSlack: 0.06,
  /** ...when it covers this much more of the question than the entry's summary. */
  headingGain: 0.05,
  /** ...or one whose heading holds this much of the question. */
  heading: 0.5,
  /** A passage of another entry must beat the top entry by this much to take its place. */
  takeOver: 0.08,
};

/** A runner-up from another entry this close to the answer is named as "Also see". */
const ALSO_SEE_MARGIN = 0.04;

/** Thresholds of the confidence rule: see `rank`. */
export const TUNING = {
  confident: 0.62,
  suggest: 0.3,
  margin: 0,
  weights: { coverage: 0.4, topic: 0.1, named: 0.3, relative: 0.2 },
};

// Comparison phrasings: "A vs B", "A or B", "difference between A and B", "A compared to B".
const BETWEEN = /\b(?:diff(?:erence)?s?|compare|comparing)\s+(?:between\s+)?(.+?)\s+(?:and|&|with|to)\s+(.+)$/i;
const VERSUS = /\s+(?:vs\.?|versus|v\.?s\.?|or|compared\s+(?:to|with)|instead\s+of|against)\s+/i;

/** The credit of a word the entry has only in another form than the question (restart for restarting). */
const STEM_CREDIT = 0.8;

/** A confident ranked answer needs question terms that weigh this much: one word in 2/3 of the entries. */
const SPECIFIC_WEIGHT = Math.log(2.5);

/** A title or alias whose terms weigh less than this (IDF) names its entry only in part. */
const NAME_WEIGHT = 2.0;

/** The credit of a term that only a typo correction gave (dokcer → docker): a guess. */
const GUESS_CREDIT = 0.75;

/** A question "A vs B" that names this much of one entry's title or alias is answered by that entry. */
const WHOLE_NAMED = 0.9;

/** A side of "A vs B" that is no id, title or alias needs a ranked hit this good... */
const SIDE_SCORE = 0.8;
/** ...whose title or id it mostly names (by term weight), or one of whose aliases it holds whole, or
 * whose short fields hold all its words while no other entry comes close. */
const SIDE_HEADED = 0.5;
const SIDE_LEAD = 0.1;

/** A term in more than this share of entries is too common to select candidates with. */
const COMMON_SHARE = 0.05;
const COMMON_MIN = 200;

const ENTRY_BOOSTS = ENTRY_FIELDS.map((f) => FIELD_BOOST[f]);

/** How many entries' features are kept worked out between queries. */
const DOC_CACHE = 4096;

interface Doc {
  id: string;
  /** The content terms of the title and of each alias, with each term's word as written. */
  names: { term: string; word: string }[][];
  /** The content terms of the title and of the id: what the entry is about, in its own words. */
  heads: string[][];
  /** Terms of the short, descriptive fields: title, aliases, tags, commands. */
  topic: Set<string>;
  /** Terms of the topic fields and the summary. */
  strong: Set<string>;
  /** The words of `strong`, as written (before `searchTerm`). */
  strongWords: Set<string>;
}

/** What the confidence rule looks at for one ranked hit. */
export interface HitFeatures {
  /** Share of the query (by term weight) found in the entry; body-only matches count half. */
  coverage: number;
  /** Share of the query found in the entry's title, aliases, tags and commands. */
  topic: number;
  /** How much of the entry's best-matching title or alias the query contains. */
  named: number;
  /** BM25 score relative to the best hit's. */
  relative: number;
  /** Share of the query found in what the short answer shows: title, aliases, tags, commands, summary. */
  strong?: number;
}

export function combine(f: HitFeatures): number {
  const w = TUNING.weights;
  return Math.min(1, w.coverage * f.coverage + w.topic * f.topic + w.named * f.named + w.relative * f.relative);
}

/** What the ranked tier reads of one entry: worked out when a query first reaches it. */
function docOf(e: Entry): Doc {
  const f = fieldsOf(e);
  const topicWords = new Set(TOPIC_FIELDS.flatMap((k) => contentWords(f[k])));
  const strongWords = new Set([...topicWords, ...contentWords(f.summary)]);
  const topic = new Set([...topicWords].map(searchTerm));
  const strong = new Set([...strongWords].map(searchTerm));
  const names = [e.title, ...e.aliases]
    .map((n) => contentWords(n).map((word) => ({ term: searchTerm(word), word })))
    .filter((n) => n.length > 0);
  // "Docker" names no entry in particular: "compose" is the whole title of Docker Compose.
  const heads = [e.title, e.id.replace(/-/g, " ")].map((h) => contentTokens(h).filter((t) => t !== "docker"));
  return { id: e.id, names, heads, topic, strong, strongWords };
}

/** The tiered search over a knowledge base: exact → comparison → ranked → abstain. */
export class SearchIndex {
  private readonly bm25: Bm25Index;
  private readonly exact: IndexData["exact"];
  private readonly docs = new Map<string, Doc>();
  private readonly vocab: IndexData["vocab"];
  private readonly df: Uint32Array;
  private readonly corrector: TermCorrector;
  /** For explain: the shortest word of the packs' short fields for each search term ("volume" for volum). */
  private readonly shown = new Map<string, string>();
  /** Comparison entries with, for each side, the term lists that name it (label, title, aliases). */
  private readonly comparisons: { id: string; sides: string[][][] }[] = [];
  private readonly passages: PassageRanker;

  /** Builds the index of `kb`, or takes `data` built (or saved) earlier from the same entries. */
  constructor(
    readonly kb: KnowledgeBase,
    data: IndexData = buildIndexData(kb),
  ) {
    this.vocab = data.vocab;
    this.df = data.df;
    this.bm25 = new Bm25Index(data.entries, data.vocab, ENTRY_FIELDS);
    this.exact = data.exact;
    for (const [w] of data.shortTerms) {
      const shown = this.shown.get(searchTerm(w));
      if (shown === undefined || w.length < shown.length) this.shown.set(searchTerm(w), w);
    }
    this.passages = new PassageRanker(
      kb.entries,
      data.passageOf,
      new Bm25Index(data.passages, data.vocab, PASSAGE_FIELDS),
    );
    const vocabulary = { has: (t: string) => this.dfOf(t) > 0 };
    this.corrector = new TermCorrector(vocabulary, new Map(data.shortTerms), data.compounds);
    for (const e of kb.entries) {
      if (!e.compare) continue;
      const sides = e.compare.sides.map((side) => {
        const target = side.id ? kb.byId.get(side.id) : undefined;
        const names = [side.label, ...(target ? [target.title, ...target.aliases] : [])];
        return names.map((n) => this.correctTerms(n).terms).filter((n) => n.length > 0 && n.length <= 3);
      });
      if (sides.every((names) => names.length > 0)) this.comparisons.push({ id: e.id, sides });
    }
  }

  /** How many entries use the term. */
  private dfOf(t: string): number {
    const id = this.vocab.get(t);
    return id === undefined ? 0 : (this.df[id] ?? 0);
  }

  /** The ranked tier's reading of one entry, worked out once and kept for a while. */
  private doc(e: Entry): Doc {
    let doc = this.docs.get(e.id);
    if (!doc) {
      if (this.docs.size >= DOC_CACHE) this.docs.clear();
      doc = docOf(e);
      this.docs.set(e.id, doc);
    }
    return doc;
  }

  get size(): number {
    return this.kb.entries.length;
  }

  /** Searches the packs. Throws a UserError (code `query_too_long`) past MAX_QUERY_LENGTH characters. */
  search(query: string, opts: { explain?: boolean; limit?: number } = {}): SearchResult {
    const q = query.trim();
    if (q.length > MAX_QUERY_LENGTH) {
      throw new UserError(
        "query_too_long",
        `That question is ${q.length} characters long; the limit is ${MAX_QUERY_LENGTH}. Ask about one thing at a time, in a sentence or two.`,
      );
    }
    const limit = opts.limit ?? 5;
    const none: SearchResult = { query, kind: "none", confident: false, tier: null, hits: [] };
    if (!q) return none;

    const exactId = this.lookupExact(q);
    if (exactId) {
      const entry = this.kb.byId.get(exactId) as Entry;
      const hit: SearchHit = { entry, score: 1, why: opts.explain ? "exact: id, title or alias" : undefined };
      return { query, kind: "answer", confident: true, tier: "exact", hits: [hit] };
    }

    const compared = this.compare(q, opts.explain ?? false);
    if (compared) return { ...compared, query };

    const ranked = this.withPassages(this.rank(q, limit, opts.explain ?? false), opts.explain ?? false);
    if (ranked.hits.length === 0) return { ...none, terms: ranked.terms };
    return { query, ...ranked };
  }

  private lookupExact(q: string): string | undefined {
    const key = normalKey(q);
    return (
      this.exact.get(key) ??
      this.exact.get(
        key.replace(/^(?:what is|what are|whats|what s|explain|tell me about|define)\s+(?:an?\s+|the\s+)?/, ""),
      )
    );
  }

  /**
   * Tier 2: "A vs B". A comparison entry whose every side the question names answers it;
   * otherwise each side must resolve to an entry on its own, or ranked search takes the query.
   */
  private compare(q: string, explain: boolean): Omit<SearchResult, "query"> | null {
    const stripped = q.replace(/[?!.]+$/, "");
    let sides: string[] | null = null;
    const between = BETWEEN.exec(stripped);
    if (between) sides = [between[1] as string, between[2] as string];
    else if (VERSUS.test(stripped)) sides = stripped.split(VERSUS);
    if (!sides || sides.length < 2) return null;

    const asked = new Set(this.correctTerms(stripped).terms);
    const named = this.comparisons.find((c) =>
      c.sides.every((names) => names.some((n) => n.every((t) => asked.has(t)))),
    );
    if (named) {
      const entry = this.kb.byId.get(named.id) as Entry;
      const why = explain ? "comparison entry: the question names each side" : undefined;
      return { kind: "answer", confident: true, tier: "comparison", hits: [{ entry, score: 0.95, why }] };
    }
    if (sides.length > 3) return null;

    const ids: string[] = [];
    for (const side of sides) {
      const id = this.resolveSide(side);
      if (!id) return null;
      if (!ids.includes(id)) ids.push(id);
    }
    const why = (s: string) => (explain ? s : undefined);
    if (ids.length === 1) {
      const entry = this.kb.byId.get(ids[0] as string) as Entry;
      return {
        kind: "answer",
        confident: true,
        tier: "comparison",
        hits: [{ entry, score: 0.95, why: why("comparison: every side names this entry") }],
      };
    }
    // An entry whose own name holds the whole comparison ("docker stop vs docker kill: ...") is
    // the answer, rather than a side-by-side of two entries that each hold one side.
    const whole = this.rank(stripped, 2, explain);
    const byName = whole.hits[0];
    if (whole.confident && byName && (byName.features?.named ?? 0) >= WHOLE_NAMED) {
      // Its section on the difference, when it has one, is the answer.
      const answered = this.withPassages(whole, explain);
      return {
        ...answered,
        hits: answered.hits.slice(0, 1),
        ...(explain ? { explained: `one entry's name holds every side; ${answered.explained ?? ""}` } : {}),
      };
    }
    const entry = this.kb.entries.find(
      (e) => !!e.compare && (ids.includes(e.id) || ids.every((id) => e.compare?.sides.some((s) => s.id === id))),
    );
    if (entry) {
      return {
        kind: "answer",
        confident: true,
        tier: "comparison",
        hits: [{ entry, score: 0.95, why: why(`comparison entry for ${ids.join(" vs ")}`) }],
      };
    }
    const hits = ids.map((id) => ({
      entry: this.kb.byId.get(id) as Entry,
      score: 0.9,
      why: why("comparison: one side"),
    }));
    return { kind: "comparison", confident: true, tier: "comparison", hits };
  }

  /**
   * The entry one side of "A vs B" is about, only when the side names it well: an id, title or
   * alias, or a good ranked hit whose title or id the side mostly contains ("compose" for Docker
   * Compose), or one of whose aliases it contains whole, or whose short fields hold all of the side
   * with no other entry close ("on-failure"). A side that merely shares a word with some entry
   * ("kill", "create", "directory", a bare "docker") does not make a comparison.
   */
  private resolveSide(side: string): string | null {
    const exact = this.lookupExact(side);
    if (exact) return exact;
    const ranked = this.rank(side, 2, false);
    const top = ranked.hits[0];
    if (!ranked.confident || !top || top.score < SIDE_SCORE) return null;
    const asked = new Set(this.correctTerms(side).terms);
    const doc = this.doc(top.entry);
    const headed = Math.max(
      ...doc.heads.map((head) => {
        const weighed = head.reduce((sum, t) => sum + this.weight(t), 0);
        const hit = head.reduce((sum, t) => sum + (asked.has(t) ? this.weight(t) : 0), 0);
        return weighed > 0 ? hit / weighed : 0;
      }),
    );
    const f = top.features as HitFeatures;
    const ahead = top.score - (ranked.hits[1]?.score ?? 0) >= SIDE_LEAD;
    return headed >= SIDE_HEADED || f.named >= 0.99 || (f.topic >= 0.99 && ahead) ? top.entry.id : null;
  }

  /** How much a term says: rarer terms more (an IDF). */
  private weight(t: string): number {
    return Math.log(1 + this.kb.entries.length / (this.dfOf(t) + 0.5));
  }

  /** Tier 3 and 4: ranked retrieval, then the confidence rule. */
  /** The query's content terms after corrections, and the words nothing in the packs uses. */
  private correctTerms(q: string): {
    terms: string[];
    unknown: string[];
    words: Map<string, Set<string>>;
    guessed: Set<string>;
  } {
    const terms: string[] = [];
    const unknown: string[] = [];
    /** For each search term, the words (as written) of the question that gave it. */
    const words = new Map<string, Set<string>>();
    const sure = new Set<string>();
    for (const w of contentWords(q)) {
      const fixed = this.corrector.lookup(w);
      if (fixed) {
        fixed.terms.forEach((t, i) => {
          if (!terms.includes(t)) terms.push(t);
          const seen = words.get(t) ?? new Set<string>();
          seen.add(fixed.words[i] as string);
          words.set(t, seen);
          if (!fixed.fuzzy) sure.add(t);
        });
      } else if (
        w.length > 2 &&
        !unknown.includes(w) &&
        !/^\d+$/.test(w) &&
        !/[\p{L}\p{N}][-._:/][\p{L}\p{N}]/u.test(w)
      ) {
        // A compound (standard_init_linux.go:228) is read through its parts, and a bare number
        // (a line number, a port) says nothing the pack could know: neither counts as unknown.
        unknown.push(w);
      }
    }
    /** Terms that only a typo correction gave: a guess, weaker evidence than a word as asked. */
    const guessed = new Set(terms.filter((t) => !sure.has(t)));
    return { terms, unknown, words, guessed };
  }

  private rank(q: string, limit: number, explain: boolean): Ranked {
    const { terms, unknown, words, guessed } = this.correctTerms(q);
    // For explain: each term as the question (or the correction) wrote it, not as a stem.
    const shown = terms.map((t) => {
      const asked = [...(words.get(t) ?? [])];
      return asked.find((w) => this.corrector.isWord(w)) ?? this.shown.get(t) ?? asked[0] ?? t;
    });
    const n = this.kb.entries.length;
    const weight = (t: string) => this.weight(t);
    const unknownWeight = Math.log(1 + n / 0.5) * 0.6;
    const total = terms.reduce((s, t) => s + weight(t), 0) + unknown.length * unknownWeight;
    const read: ReadQuery = { terms, words, guessed, total, weight };
    const nothing = {
      kind: "none" as const,
      confident: false,
      hits: [],
      terms: shown,
      read,
      searched: [],
      specific: false,
    };
    if (terms.length === 0) return nothing;

    // Terms in most entries barely move BM25 but make every entry a candidate; leave them to the
    // coverage features, unless nothing rarer was asked.
    const rare = terms.filter((t) => this.dfOf(t) <= Math.max(n * COMMON_SHARE, COMMON_MIN));
    const rarest = [...terms].sort((a, b) => this.dfOf(a) - this.dfOf(b)).slice(0, 1);
    const searched = rare.length > 0 ? rare : rarest;
    const raw = this.bm25.search(searched, ENTRY_BOOSTS, 10);
    if (raw.length === 0) return { ...nothing, searched };
    const topScore = (raw[0] as { score: number }).score;

    const scored = raw.map((r) => {
      const entry = this.kb.entries[r.doc] as Entry;
      const doc = this.doc(entry);
      let covered = 0;
      let topical = 0;
      let strong = 0;
      // A common term left out of the candidate search most likely occurs in the body.
      const matched = new Set([...r.queryTerms, ...terms.filter((t) => !searched.includes(t))]);
      for (const t of terms) {
        // A word met only through its stem (restarting for "restart") counts a little less.
        const credit =
          ([...(words.get(t) ?? [])].some((w) => doc.strongWords.has(w)) ? 1 : STEM_CREDIT) *
          (guessed.has(t) ? GUESS_CREDIT : 1);
        if (doc.topic.has(t)) topical += credit * weight(t);
        if (doc.strong.has(t)) {
          covered += credit * weight(t);
          strong += credit * weight(t);
        } else if (matched.has(t)) covered += 0.5 * (guessed.has(t) ? GUESS_CREDIT : 1) * weight(t);
      }
      let named = 0;
      for (const name of doc.names) {
        const weighed = name.reduce((sum, n) => sum + weight(n.term), 0);
        // A name word met only through its stem (restarting for "restart") counts a little less.
        const hit = name.reduce(
          (sum, n) =>
            sum +
            (words.has(n.term)
              ? weight(n.term) *
                (words.get(n.term)?.has(n.word) ? 1 : STEM_CREDIT) *
                (guessed.has(n.term) ? GUESS_CREDIT : 1)
              : 0),
          0,
        );
        // A name of common words only ("dockerfile", "volume" once stop words go) names little.
        if (weighed > 0) named = Math.max(named, (hit / weighed) * Math.min(1, weighed / NAME_WEIGHT));
      }
      const features: HitFeatures = {
        coverage: covered / total,
        topic: topical / total,
        named,
        relative: r.score / topScore,
        strong: strong / total,
      };
      const score = combine(features);
      const why = explain
        ? `ranked: bm25 ${r.score.toFixed(2)} (${Math.round(features.relative * 100)}% of best), coverage ${Math.round(features.coverage * 100)}% of [${shown.join(", ")}]${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}, matched ${Object.entries(
            r.match,
          )
            .map(([t, f]) => `${t}→${f.join("/")}`)
            .join(" ")}`
        : undefined;
      return { entry, score, why, features };
    });
    scored.sort((a, b) => b.score - a.score);
    const [top, second] = scored as [SearchHit, SearchHit | undefined];
    // A question that tells less than one word found in 2/3 of the entries ("docker", "what is
    // docker", "image") says nothing specific: suggestions, not an answer; unless it holds the top
    // entry's whole id or title ("what about docker run?").
    const asked = new Set(terms);
    const specific =
      (terms.reduce((sum, t) => sum + weight(t), 0) >= SPECIFIC_WEIGHT ||
        this.doc(top.entry).heads.some((head) => head.length > 0 && head.every((t) => asked.has(t)))) &&
      !offTopic(surfaceTokens(q));
    const confident = specific && top.score >= TUNING.confident && top.score - (second?.score ?? 0) >= TUNING.margin;
    const base = { terms: shown, read, searched, specific };
    if (confident) return { kind: "answer", confident, hits: scored.slice(0, limit), ...base };
    const suggestions = scored.filter((h) => h.score >= TUNING.suggest).slice(0, limit);
    return suggestions.length > 0
      ? { kind: "suggestions", confident: false, hits: suggestions, ...base }
      : { kind: "none", confident: false, hits: [], ...base };
  }

  /**
   * The passage rule, over the ranked entries: a section that matches the question clearly better
   * than its entry's summary becomes the answer; a section of another entry that matches far
   * better than the top entry takes its place; a question no entry answers confidently may still
   * be answered by one section that matches it well. A close runner-up is named as "Also see".
   */
  private withPassages(ranked: Ranked, explain: boolean): Omit<SearchResult, "query"> {
    const result = {
      tier: "ranked" as const,
      kind: ranked.kind,
      confident: ranked.confident,
      hits: ranked.hits,
      terms: ranked.terms,
    };
    if (ranked.read.terms.length === 0 || !ranked.specific) return result;
    const passages = this.passages.rank(ranked.read, ranked.searched, 8, explain);
    const best = passages[0];
    const top = ranked.hits[0];
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const say = (why: string) => (explain ? { explained: why } : {});
    const asHit = (p: PassageHit): SearchHit => ({
      entry: p.passage.entry,
      passage: p.passage,
      score: p.score,
      why: p.why,
      features: {
        coverage: p.features.coverage,
        topic: p.features.heading,
        named: p.features.named,
        relative: p.features.relative,
      },
    });
    const rest = (entryId: string) => ranked.hits.filter((h) => h.entry.id !== entryId);
    const closeTo = (winner: SearchHit) => {
      const other = [...ranked.hits, ...passages.map(asHit)].find((h) => h.entry.id !== winner.entry.id);
      return other && winner.score - other.score <= ALSO_SEE_MARGIN ? { alsoSee: other } : {};
    };

    if (ranked.confident && top) {
      const strong = top.features?.strong ?? 0;
      const headed = (p: PassageHit) => p.features.heading >= PASSAGE.takeOverHeading;
      if (
        best &&
        best.passage.entry.id !== top.entry.id &&
        best.score >= PASSAGE.confident &&
        // Far better than the top entry, or nearly as good and the question is its heading.
        ((best.score - top.score >= PASSAGE.takeOver && best.features.coverage - strong >= PASSAGE.overSummary) ||
          (headed(best) &&
            best.score >= top.score - PASSAGE.headingSlack &&
            best.features.coverage - strong >= PASSAGE.headingGain))
      ) {
        const hit = asHit(best);
        return {
          ...result,
          hits: [hit, ...rest(hit.entry.id)],
          alsoSee: { ...top, passage: undefined },
          ...say(
            `a section of another entry, "${best.passage.section.heading}" (${best.score.toFixed(3)}), beats ${top.entry.id} (${top.score.toFixed(3)}) by ${PASSAGE.takeOver} or more`,
          ),
        };
      }
      const own = passages.find((p) => p.passage.entry.id === top.entry.id);
      if (
        own &&
        own.score >= PASSAGE.within &&
        (own.features.coverage - strong >= PASSAGE.overSummary ||
          // The question is the section's heading, near enough ("share one volume between two containers").
          (own.features.heading >= PASSAGE.wholeHeading &&
            own.features.named >=
              ((top.features?.topic ?? 0) < PASSAGE.namesOnly ? PASSAGE.wholeNamed : PASSAGE.namedTopic)) ||
          (own.features.heading >= PASSAGE.asHeading && own.features.named >= PASSAGE.asHeading) ||
          // A question that only names the entry ("swarm", "docker volumes") wants its summary.
          ((top.features?.topic ?? 0) < PASSAGE.namesOnly &&
            (own.features.heading >= PASSAGE.heading || own.features.coverage >= strong)))
      ) {
        const hit = { ...asHit(own), score: Math.max(own.score, top.score) };
        return {
          ...result,
          hits: [hit, ...rest(top.entry.id)],
          ...closeTo(hit),
          ...say(
            `the section "${own.passage.section.heading}" covers ${pct(own.features.coverage)} of the question (its heading ${pct(own.features.heading)}), the summary ${pct(strong)}: answered from the section`,
          ),
        };
      }
      return {
        ...result,
        ...closeTo(top),
        ...say(
          own
            ? `the best section of ${top.entry.id}, "${own.passage.section.heading}", does not beat its summary (${pct(own.features.coverage)} vs ${pct(strong)}): answered with the entry`
            : `no section of ${top.entry.id} matches better than its summary: answered with the entry`,
        ),
      };
    }
    if (best && best.score >= PASSAGE.confident && best.features.coverage >= PASSAGE.alone) {
      const hit = asHit(best);
      return {
        ...result,
        kind: "answer",
        confident: true,
        hits: [hit, ...rest(hit.entry.id)],
        ...closeTo(hit),
        ...say(
          `no entry was sure, but the section "${best.passage.section.heading}" matches well (${best.score.toFixed(3)}, covers ${pct(best.features.coverage)})`,
        ),
      };
    }
    return {
      ...result,
      ...say(
        best
          ? `no section is sure enough (best: "${best.passage.section.heading}", ${best.score.toFixed(3)})`
          : "no section matches",
      ),
    };
  }
}
