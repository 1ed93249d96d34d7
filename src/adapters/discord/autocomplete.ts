import type { KnowledgeBase } from "../../core/knowledge/loader.ts";
import { MAX_QUERY_LENGTH, type SearchIndex } from "../../core/knowledge/search.ts";
import { autocompleteChoice } from "./render.ts";

/** Discord shows at most 25 suggestions. */
export const MAX_CHOICES = 25;

type Choice = { name: string; value: string };

type Name = { key: string; entry: number };

interface Names {
  /** Entry titles, lower-cased, with the entry's index, sorted by key (for prefix lookups). */
  titles: Name[];
  /** The same for aliases. */
  aliases: Name[];
  /** Titles, then aliases, in pack order (for "contains" matches)... */
  names: Name[];
  /** ...their keys joined by newlines, one native indexOf scan for all of them... */
  haystack: string;
  /** ...and where each key starts in it. */
  starts: number[];
  tags: string[];
  zones: string[];
  /** Entry id → its index in kb.entries. */
  index: Map<string, number>;
}

const cache = new WeakMap<KnowledgeBase, Names>();

const byKey = (a: Name, b: Name) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.entry - b.entry);

function namesOf(kb: KnowledgeBase): Names {
  let n = cache.get(kb);
  if (!n) {
    const titles = kb.entries.map((e, i) => ({ key: e.title.toLowerCase(), entry: i }));
    const aliases = kb.entries.flatMap((e, i) => e.aliases.map((a) => ({ key: a.toLowerCase(), entry: i })));
    const tags = [...new Set(kb.entries.flatMap((e) => e.tags))].sort();
    const zones = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
    const names = [...titles, ...aliases].map((x) => ({ ...x, key: x.key.replace(/\n/g, " ") }));
    const starts: number[] = [];
    let at = 0;
    for (const x of names) {
      starts.push(at);
      at += x.key.length + 1;
    }
    n = {
      titles: [...titles].sort(byKey),
      aliases: [...aliases].sort(byKey),
      names,
      haystack: names.map((x) => x.key).join("\n"),
      starts,
      tags,
      zones,
      index: new Map(kb.entries.map((e, i) => [e.id, i])),
    };
    cache.set(kb, n);
  }
  return n;
}

/** The index of the last element of an ascending list that is ≤ `x` (0 when none is). */
function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

/** The names that start with `t`, from a list sorted by key: a binary search, then a run. */
function* prefixed(sorted: readonly Name[], t: string): Generator<Name> {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as Name).key < t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < sorted.length && (sorted[i] as Name).key.startsWith(t); i++) yield sorted[i] as Name;
}

/** Matches starting with the typed text first, then those containing it, in list order. */
function ranked(list: readonly string[], typed: string): string[] {
  const t = typed.trim().toLowerCase();
  if (!t) return list.slice(0, MAX_CHOICES);
  const starts = list.filter((v) => v.toLowerCase().startsWith(t));
  const contains = list.filter((v) => !v.toLowerCase().startsWith(t) && v.toLowerCase().includes(t));
  return [...starts, ...contains].slice(0, MAX_CHOICES);
}

/**
 * Suggestions as a member types an option: for a question, entries whose title or alias starts
 * with or contains the text, then the search index's best matches (typos included); for time
 * zones, tracks and tags, the known values. The value of a question suggestion is the entry's
 * title, which the search answers exactly.
 */
export function suggest(
  p: { kb: KnowledgeBase; search: SearchIndex },
  command: string,
  option: string,
  typed: string,
): Choice[] {
  const { kb } = p;
  if ((command === "quiz" || command === "review") && option === "timezone")
    return ranked(namesOf(kb).zones, typed).map((z) => choice(z, z));
  if (command === "onboard" && option === "track") {
    const t = typed.trim().toLowerCase();
    return kb.tracks
      .filter((tr) => !t || tr.id.includes(t) || tr.title.toLowerCase().includes(t))
      .slice(0, MAX_CHOICES)
      .map((tr) => choice(`${tr.title} (${tr.id})`, tr.id));
  }
  if (command === "onboard" && option === "timezone") return ranked(namesOf(kb).zones, typed).map((z) => choice(z, z));
  if (command === "topics" && option === "tag") return ranked(namesOf(kb).tags, typed).map((t) => choice(t, t));
  // A review topic is resolved like a question, so the same suggestions fit it.
  if (!(command === "docker" && option === "question") && !(command === "review" && option === "topic")) return [];

  const q = typed.trim().slice(0, MAX_QUERY_LENGTH);
  const picked = new Set<number>();
  const out: Choice[] = [];
  const add = (i: number) => {
    const e = kb.entries[i];
    if (!e || picked.has(i) || out.length >= MAX_CHOICES) return;
    picked.add(i);
    out.push(choice(e.title, e.title));
  };
  if (!q) {
    for (let i = 0; i < Math.min(MAX_CHOICES, kb.entries.length); i++) add(i);
    return out;
  }
  const t = q.toLowerCase();
  const { titles, aliases, names, haystack, starts, index } = namesOf(kb);
  const full = () => out.length >= MAX_CHOICES;
  // Titles first: "volu" offers "Volumes vs bind mounts" before the entry with the alias "VOLUME instruction".
  // Each step runs only while there is room: in a large pack, one or two letters fill the list by prefix alone.
  for (const list of [titles, aliases]) {
    for (const n of prefixed(list, t)) {
      if (full()) break;
      add(n.entry);
    }
  }
  if (!full()) for (const hit of p.search.search(q, { limit: MAX_CHOICES }).hits) add(index.get(hit.entry.id) ?? -1);
  // Names containing the text, in pack order: the next match in the joined keys, then on past that name.
  for (let from = 0; !full() && !t.includes("\n"); ) {
    const at = haystack.indexOf(t, from);
    if (at < 0) break;
    const k = lastAtOrBefore(starts, at);
    add((names[k] as Name).entry);
    from = starts[k + 1] ?? haystack.length;
  }
  // What the member typed stays a choice of its own, so picking a suggestion is never forced.
  if (out.length < MAX_CHOICES && !out.some((c) => c.value.toLowerCase() === t)) out.push(choice(q, q));
  return out;
}

function choice(name: string, value: string): Choice {
  return autocompleteChoice(name, value);
}
