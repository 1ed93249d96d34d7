import { createInterface } from "node:readline";
import { isUserError } from "../core/errors.ts";
import type { KnowledgeBase } from "../core/knowledge/loader.ts";
import type { SearchIndex, SearchResult } from "../core/knowledge/search.ts";
import { referenceLink, referenceSource } from "../core/knowledge/source.ts";

export function toJson(r: SearchResult, tookMs: number) {
  return {
    query: r.query,
    confident: r.confident,
    kind: r.kind,
    results: r.hits.slice(0, 5).map((h) => ({
      id: h.entry.id,
      title: h.entry.title,
      score: Number(h.score.toFixed(3)),
      ...(h.passage ? { passage: { entry: h.entry.id, heading: h.passage.section.heading } } : {}),
      ...(h.entry.source ? { source: { pack: h.entry.source.name, link: referenceLink(h.entry, h.passage) } } : {}),
    })),
    ...(r.alsoSee ? { alsoSee: { id: r.alsoSee.entry.id, title: r.alsoSee.entry.title } } : {}),
    tookMs: Number(tookMs.toFixed(3)),
  };
}

/** Searches one query and times the search alone. */
export function timedSearch(
  index: SearchIndex,
  query: string,
  explain = false,
): { result: SearchResult; tookMs: number } {
  const start = performance.now();
  const result = index.search(query, { explain });
  return { result, tookMs: performance.now() - start };
}

export function formatHuman(r: SearchResult, kb: KnowledgeBase, explain: boolean): string {
  const out: string[] = [];
  const top = r.hits[0];
  if ((r.kind === "answer" || r.kind === "comparison") && top) {
    if (r.kind === "comparison") {
      out.push(`${r.hits.map((h) => h.entry.title).join("  vs  ")}`, "");
      for (const h of r.hits) out.push(`${h.entry.title}: ${h.entry.summary}`, "");
    } else if (top.passage) {
      out.push(`${top.entry.title}: ${top.passage.section.heading}`, "", top.passage.section.text, "");
      if (top.entry.source) out.push(referenceSource(top.entry, top.passage));
      else out.push(`Full entry: dockhand ask "${top.entry.title}"`);
    } else {
      out.push(top.entry.title, "", top.entry.summary, "");
      if (top.entry.commands.length > 0) {
        out.push("Key commands:");
        for (const c of top.entry.commands) out.push(`  ${c.cmd}\n      ${c.does}`);
        out.push("");
      }
      const related = top.entry.related.map((id) => kb.byId.get(id)?.title ?? id);
      if (related.length > 0) out.push(`Related: ${related.join(", ")}`);
    }
  } else if (r.kind === "suggestions") {
    out.push("No confident answer. Did you mean:");
    for (const h of r.hits) out.push(`  - ${h.entry.title} (${h.entry.id})`);
  } else {
    out.push(
      'Nothing in the knowledge packs answers that. Try `dockhand ask "docker run"` or a topic such as volumes, networks, compose.',
    );
  }
  if (r.alsoSee) out.push(`Also see: ${r.alsoSee.entry.title} (close to this question too)`);
  if (explain) {
    out.push("", `Explain (tier: ${r.tier ?? "none"}; terms: ${(r.terms ?? []).join(", ") || "-"}):`);
    for (const h of r.hits) out.push(`  ${h.score.toFixed(3)} ${h.entry.id}: ${h.why ?? ""}`);
    if (r.explained) out.push(`  passage rule: ${r.explained}`);
  }
  return out.join("\n").trimEnd();
}

/** `ask -`: one JSON line per input line, in order. */
export async function askLines(index: SearchIndex, input: NodeJS.ReadableStream, explain: boolean): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    const query = line.trim();
    if (!query) continue;
    try {
      const { result, tookMs } = timedSearch(index, query, explain);
      console.log(JSON.stringify(toJson(result, tookMs)));
    } catch (err) {
      if (!isUserError(err)) throw err;
      console.log(
        JSON.stringify({ query, confident: false, kind: "none", results: [], tookMs: 0, error: err.message }),
      );
    }
  }
}
