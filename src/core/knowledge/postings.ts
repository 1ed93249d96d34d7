/**
 * A compact BM25 index: postings in typed arrays instead of a tree of Maps, so that ten thousand
 * entries index in a fraction of the time and memory and the index can be saved and mapped back
 * from one file. It scores exactly as MiniSearch 7 does (BM25+ with k 1.2, b 0.7, d 0.5, field
 * boosts, the sum multiplied by the number of query terms a document matched, ties in the order
 * documents were first met), so that answers stay the same whichever way the index was made.
 */

/** Terms ↔ dense ids, shared by every index of one knowledge base. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  readonly terms: string[] = [];

  constructor(terms: Iterable<string> = []) {
    for (const t of terms) this.add(t);
  }

  add(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.ids.set(term, id);
    }
    return id;
  }

  get(term: string): number | undefined {
    return this.ids.get(term);
  }

  get size(): number {
    return this.terms.length;
  }
}

/** The arrays of one BM25 index: what is saved and loaded. */
export interface Bm25Data {
  fields: number;
  docCount: number;
  /** Postings of (term, field), key `term * fields + field`, are `docs/freqs[offsets[key]..offsets[key + 1]]`. */
  offsets: Uint32Array;
  docs: Uint32Array;
  /** 16 bits when every frequency fits (nearly always), else 32. */
  freqs: Uint16Array | Uint32Array;
  /** Distinct tokens of each document's field (`doc * fields + field`), as MiniSearch counts a field's length. */
  lengths: Uint32Array;
  /** Average field length, computed incrementally in MiniSearch's order (so the floats match). */
  average: Float64Array;
}

/** A typed array that grows by doubling. */
class Growing {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Dense ids for the terms a build meets, stop words included, with what the builders need to know
 * of each: so that a token costs one lookup of its word, whatever it is then used for.
 */
export class TermTable {
  private readonly byWord = new Map<string, number>();
  private readonly byTerm = new Map<string, number>();
  readonly terms: string[] = [];
  /** 1 for a stop word: counted in a field's length, not indexed. */
  stop = new Uint8Array(1024);

  constructor(
    private readonly termOf: (word: string) => string,
    private readonly isStop: (term: string) => boolean,
  ) {}

  /** The id of the term of `word` (a surface token). */
  id(word: string): number {
    let id = this.byWord.get(word);
    if (id === undefined) {
      const term = this.termOf(word);
      id = this.byTerm.get(term);
      if (id === undefined) {
        id = this.terms.length;
        this.terms.push(term);
        this.byTerm.set(term, id);
        if (id === this.stop.length) {
          const next = new Uint8Array(id * 2);
          next.set(this.stop);
          this.stop = next;
        }
        this.stop[id] = this.isStop(term) ? 1 : 0;
      }
      this.byWord.set(word, id);
    }
    return id;
  }

  ids(words: readonly string[]): number[] {
    const out = new Array<number>(words.length);
    for (let i = 0; i < words.length; i++) out[i] = this.id(words[i] as string);
    return out;
  }

  /** `ids` without the stop words. */
  contentIds(words: readonly string[]): number[] {
    const out: number[] = [];
    for (const w of words) {
      const id = this.id(w);
      if (this.stop[id] === 0) out.push(id);
    }
    return out;
  }
}

/** Adds documents in order; `finish` lays the postings out by term. */
export class Bm25Builder {
  private readonly keys = new Growing();
  private readonly docs = new Growing();
  private readonly freqs = new Growing();
  private readonly lengths = new Growing();
  private readonly average: Float64Array;
  private count = 0;
  /** Per table id: its vocabulary id (-1 until first indexed), and its count in the current field. */
  private vocabIds = new Int32Array(0);
  private counts = new Uint32Array(0);
  private readonly seen: number[] = [];

  constructor(
    private readonly vocab: Vocabulary,
    private readonly fields: number,
    private readonly table: TermTable,
  ) {
    this.average = new Float64Array(fields);
  }

  private room(size: number): void {
    if (size <= this.counts.length) return;
    const n = Math.max(size, this.counts.length * 2, 1024);
    const ids = new Int32Array(n).fill(-1);
    ids.set(this.vocabIds);
    this.vocabIds = ids;
    const counts = new Uint32Array(n);
    counts.set(this.counts);
    this.counts = counts;
  }

  /**
   * Adds the next document: its tokens (`TermTable` ids) field by field. A field's length counts
   * every distinct term; stop words are counted, not indexed.
   */
  add(fieldIds: readonly (readonly number[])[]): number {
    const doc = this.count++;
    const { table, seen } = this;
    this.room(table.terms.length);
    const { counts, vocabIds } = this;
    for (let f = 0; f < this.fields; f++) {
      seen.length = 0;
      for (const id of fieldIds[f] ?? []) {
        if (counts[id] === 0) seen.push(id);
        counts[id] = (counts[id] as number) + 1;
      }
      const length = seen.length;
      this.lengths.push(length);
      this.average[f] = ((this.average[f] as number) * doc + length) / (doc + 1);
      for (const id of seen) {
        const n = counts[id] as number;
        counts[id] = 0;
        if (table.stop[id] === 1) continue;
        let v = vocabIds[id] as number;
        if (v < 0) {
          v = this.vocab.add(table.terms[id] as string);
          vocabIds[id] = v;
        }
        this.keys.push(v * this.fields + f);
        this.docs.push(doc);
        this.freqs.push(n);
      }
    }
    return doc;
  }

  finish(): Bm25Data {
    const keyCount = this.vocab.size * this.fields;
    const offsets = new Uint32Array(keyCount + 1);
    const n = this.keys.length;
    const keys = this.keys.data;
    for (let i = 0; i < n; i++) (offsets[(keys[i] as number) + 1] as number)++;
    for (let k = 0; k < keyCount; k++) offsets[k + 1] = (offsets[k + 1] as number) + (offsets[k] as number);
    const fill = offsets.slice(0, keyCount);
    const docs = new Uint32Array(n);
    let most = 0;
    for (let i = 0; i < n; i++) most = Math.max(most, this.freqs.data[i] as number);
    const freqs = most < 0x10000 ? new Uint16Array(n) : new Uint32Array(n);
    // Stable: each posting list stays in document order.
    for (let i = 0; i < n; i++) {
      const at = (fill[keys[i] as number] as number)++;
      docs[at] = this.docs.data[i] as number;
      freqs[at] = this.freqs.data[i] as number;
    }
    return {
      fields: this.fields,
      docCount: this.count,
      offsets,
      docs,
      freqs,
      lengths: this.lengths.data.slice(0, this.lengths.length),
      average: this.average,
    };
  }
}

/** One document a query matched, as MiniSearch reports it. */
export interface Bm25Hit {
  doc: number;
  score: number;
  /** The query terms the document matched, in query order. */
  queryTerms: string[];
  /** Each matched term and the fields it was found in (a prototype-free object). */
  match: Record<string, string[]>;
}

const K = 1.2;
const B = 0.7;
const D = 0.5;

/** Searches one `Bm25Data` with an OR of terms. */
export class Bm25Index {
  private readonly scores: Float64Array;
  private readonly termScores: Float64Array;
  private readonly matched: Uint16Array;
  /** The query, and the query term, that last touched each document (saves clearing the arrays). */
  private readonly seenQuery: Uint32Array;
  private readonly seenTerm: Uint32Array;
  private tick = 0;

  constructor(
    readonly data: Bm25Data,
    private readonly vocab: Vocabulary,
    private readonly fieldNames: readonly string[],
  ) {
    const n = Math.max(1, data.docCount);
    this.scores = new Float64Array(n);
    this.termScores = new Float64Array(n);
    this.matched = new Uint16Array(n);
    this.seenQuery = new Uint32Array(n);
    this.seenTerm = new Uint32Array(n);
  }

  private postings(term: number, field: number): [number, number] {
    const key = term * this.data.fields + field;
    return [this.data.offsets[key] as number, this.data.offsets[key + 1] as number];
  }

  private next(): number {
    if (this.tick >= 0xfffffff0) {
      this.seenQuery.fill(0);
      this.seenTerm.fill(0);
      this.tick = 0;
    }
    return ++this.tick;
  }

  /** The best `limit` documents for `terms` (OR), with field `boosts` in field order. */
  search(terms: readonly string[], boosts: readonly number[], limit: number): Bm25Hit[] {
    const { docs, freqs, lengths, average, fields, docCount } = this.data;
    const { scores, termScores, matched, seenQuery, seenTerm } = this;
    const query = this.next();
    const order: number[] = [];
    const ids = terms.map((t) => this.vocab.get(t));
    const asked = new Set<string>();
    ids.forEach((id, i) => {
      const again = asked.has(terms[i] as string);
      asked.add(terms[i] as string);
      if (id === undefined) return;
      const term = this.next();
      const touched: number[] = [];
      for (let f = 0; f < fields; f++) {
        const [from, to] = this.postings(id, f);
        const matching = to - from;
        const idf = Math.log(1 + (docCount - matching + 0.5) / (matching + 0.5));
        const avg = average[f] as number;
        const boost = boosts[f] as number;
        for (let p = from; p < to; p++) {
          const doc = docs[p] as number;
          const tf = freqs[p] as number;
          const len = lengths[doc * fields + f] as number;
          const raw = idf * (D + (tf * (K + 1)) / (tf + K * (1 - B + (B * len) / avg)));
          const weighted = boost * raw;
          if (seenQuery[doc] !== query) {
            seenQuery[doc] = query;
            scores[doc] = 0;
            matched[doc] = 0;
            order.push(doc);
          }
          if (seenTerm[doc] !== term) {
            seenTerm[doc] = term;
            termScores[doc] = weighted;
            touched.push(doc);
          } else {
            termScores[doc] = (termScores[doc] as number) + weighted;
          }
        }
      }
      for (const doc of touched) {
        scores[doc] = (scores[doc] as number) + (termScores[doc] as number);
        if (!again) matched[doc] = (matched[doc] as number) + 1;
      }
    });
    return topDocs(order, scores, matched, limit).map(({ doc, score }) => ({
      doc,
      score,
      ...this.explain(doc, terms, ids),
    }));
  }

  /** Which query terms matched `doc`, and in which fields (only for the few documents returned). */
  private explain(
    doc: number,
    terms: readonly string[],
    ids: readonly (number | undefined)[],
  ): Pick<Bm25Hit, "queryTerms" | "match"> {
    const queryTerms: string[] = [];
    const match: Record<string, string[]> = Object.create(null);
    ids.forEach((id, i) => {
      const term = terms[i] as string;
      if (id === undefined || terms.indexOf(term) !== i) return;
      for (let f = 0; f < this.data.fields; f++) {
        const [from, to] = this.postings(id, f);
        if (!containsSorted(this.data.docs, from, to, doc)) continue;
        if (!queryTerms.includes(term)) queryTerms.push(term);
        const list = match[term];
        if (list) list.push(this.fieldNames[f] as string);
        else match[term] = [this.fieldNames[f] as string];
      }
    });
    return { queryTerms, match };
  }
}

/**
 * The best `limit` of `order` by score (the sum multiplied by the number of terms matched), ties
 * in the order met: what sorting them all and keeping the first `limit` gives, without sorting
 * the tens of thousands of documents a common word reaches.
 */
function topDocs(
  order: readonly number[],
  scores: Float64Array,
  matched: Uint16Array,
  limit: number,
): { doc: number; score: number }[] {
  const top: { doc: number; score: number }[] = [];
  if (limit <= 0) return top;
  for (const doc of order) {
    const score = (scores[doc] as number) * ((matched[doc] as number) || 1);
    if (top.length === limit && !(score > (top[limit - 1] as { score: number }).score)) continue;
    // After every kept document with at least this score: those were met first.
    let at = top.length;
    while (at > 0 && (top[at - 1] as { score: number }).score < score) at--;
    top.splice(at, 0, { doc, score });
    if (top.length > limit) top.pop();
  }
  return top;
}

/** Binary search in the sorted slice `a[from..to)`. */
function containsSorted(a: Uint32Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid] as number;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
