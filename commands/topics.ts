import { encodeAction } from "../src/core/actions.ts";
import { defineCommand } from "../src/core/command.ts";
import { UserError } from "../src/core/errors.ts";
import type { KnowledgeBase } from "../src/core/knowledge/loader.ts";
import { type Button, type Reply, reply } from "../src/core/reply.ts";
import { userText } from "../src/core/user-text.ts";

export const TOPICS_PER_PAGE = 8;

/** A page of the topic browser: all tags, or the entries of one tag. */
export function topicsPage(kb: KnowledgeBase, tag: string | undefined, page: number, inPlace: boolean): Reply {
  if (!tag) {
    const counts = new Map<string, number>();
    for (const e of kb.entries) for (const t of e.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const tags = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return reply({
      header: "Browse the knowledge pack",
      text: `${kb.entries.length} topics under ${tags.length} tags. Pick a tag, or type \`/docker topics <tag>\`.`,
      buttons: tags
        .slice(0, 20)
        .map(([t, n]) => ({ label: `${t} (${n})`, action: encodeAction({ kind: "topics", tag: t, page: 0 }) })),
      visibility: "ephemeral",
      replaceOriginal: inPlace,
    });
  }
  const entries = kb.entries.filter((e) => e.tags.includes(tag)).sort((a, b) => a.title.localeCompare(b.title));
  if (entries.length === 0) {
    const known = [...new Set(kb.entries.flatMap((e) => e.tags))].sort().join(", ");
    throw new UserError("unknown_tag", `There is no tag "${userText(tag)}". Try one of: ${known}.`);
  }
  const pages = Math.ceil(entries.length / TOPICS_PER_PAGE);
  const index = Math.min(Math.max(page, 0), pages - 1);
  const shown = entries.slice(index * TOPICS_PER_PAGE, (index + 1) * TOPICS_PER_PAGE);
  const buttons: Button[] = shown.map((e) => ({
    label: e.title,
    action: encodeAction({ kind: "entry", entry: e.id }),
  }));
  if (index > 0) buttons.push({ label: "◀ Previous", action: encodeAction({ kind: "topics", tag, page: index - 1 }) });
  if (index < pages - 1)
    buttons.push({ label: "Next ▶", action: encodeAction({ kind: "topics", tag, page: index + 1 }) });
  return reply({
    header: `Topics tagged ${tag} (page ${index + 1}/${pages})`,
    bullets: shown.map((e) => `*${e.title}*: ${e.summary.split(/(?<=[.!?])\s/)[0]}`),
    buttons,
    visibility: "ephemeral",
    replaceOriginal: inPlace,
  });
}

export default defineCommand({
  spec: {
    name: "topics",
    description: "Browse the knowledge pack by tag",
    verb: "topics",
    options: {
      tag: { type: "string", description: "A tag such as storage or networking", autocomplete: true, maxLength: 40 },
    },
    parseText: (rest) => {
      const tag = rest.trim().toLowerCase();
      if (tag === "") return { tag: undefined };
      return /^[a-z0-9-]{1,40}$/.test(tag) ? { tag } : null;
    },
    examples: ["/docker topics", "/docker topics storage"],
  },
  async run({ tag }, _caller, ctx) {
    return topicsPage(ctx.kb, tag?.toLowerCase(), 0, false);
  },
});
