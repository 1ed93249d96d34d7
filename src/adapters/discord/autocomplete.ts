import type { KnowledgeBase } from "../../core/knowledge/loader.ts";
import { MAX_QUERY_LENGTH, type SearchIndex } from "../../core/knowledge/search.ts";
import { autocompleteChoice } from "./render.ts";

/** Discord shows at most 25 suggestions. */
export const MAX_CHOICES = 25;

type Choice = { name: string; value: string };

interface Names {
  /** Entry titles, then aliases, lower-cased, with the entry's index. */
  names: { key: string; entry: number }[];
  tags: string[];
  zones: string[];
  /** Entry id → its index in kb.entries. */
  index: Map<string, number>;
}

const cache = new WeakMap<KnowledgeBase, Names>();

function namesOf(kb: KnowledgeBase): Names {
  let n = cache.get(kb);
  if (!n) {
    const names: Names["names"] = [];
    // Titles first: "volu" should offer "Volumes vs bind mounts" before the entry whose alias is "VOLUME instruction".
    kb.entries.forEach((e, i) => {
      names.push({ key: e.title.toLowerCase(), entry: i });
    });
    kb.entries.forEach((e, i) => {
      for (const a of e.aliases) names.push({ key: a.toLowerCase(), entry: i });
    });
    const tags = [...new Set(kb.entries.flatMap((e) => e.tags))].sort();
    const zones = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
    n = { names, tags, zones, index: new Map(kb.entries.map((e, i) => [e.id, i])) };
    cache.set(kb, n);
  }
  return n;
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
  if (command === "quiz" && option === "timezone") return ranked(namesOf(kb).zones, typed).map((z) => choice(z, z));
  if (command === "onboard" && option === "track") {
    const t = typed.trim().toLowerCase();
    return kb.tracks
      .filter((tr) => !t || tr.id.includes(t) || tr.title.toLowerCase().includes(t))
      .slice(0, MAX_CHOICES)
      .map((tr) => choice(`${tr.title} (${tr.id})`, tr.id));
  }
  if (command === "onboard" && option === "timezone") return ranked(namesOf(kb).zones, typed).map((z) => choice(z, z));
  if (command === "topics" && option === "tag") return ranked(namesOf(kb).tags, typed).map((t) => choice(t, t));
  if (command !== "docker" || option !== "question") return [];

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
  const { names, index } = namesOf(kb);
  for (const n of names) if (n.key.startsWith(t)) add(n.entry);
  for (const hit of p.search.search(q, { limit: MAX_CHOICES }).hits) add(index.get(hit.entry.id) ?? -1);
  for (const n of names) if (out.length < MAX_CHOICES && n.key.includes(t)) add(n.entry);
  // What the member typed stays a choice of its own, so picking a suggestion is never forced.
  if (out.length < MAX_CHOICES && !out.some((c) => c.value.toLowerCase() === t)) out.push(choice(q, q));
  return out;
}

function choice(name: string, value: string): Choice {
  return autocompleteChoice(name, value);
}
