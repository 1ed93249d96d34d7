import type { KnowledgeBase, Problem } from "./loader.ts";
import { normalKey } from "./normalize.ts";
import { headingKey } from "./sections.ts";

const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

/** Checks that span files: unique names, references that resolve, links between entries. */
export function checkKnowledge(kb: KnowledgeBase): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, { id: string; what: string }>();

  const claim = (key: string, id: string, what: string, file: string, field: string) => {
    if (!key) return;
    const owner = owners.get(key);
    if (owner && owner.id !== id) {
      problems.push({
        file,
        field,
        message: `"${key}" is also the ${owner.what} of entry "${owner.id}"; names must be unique across packs`,
      });
    } else if (!owner) {
      owners.set(key, { id, what });
    }
  };

  for (const e of kb.entries) {
    // A reference pack's files are plain docs: their titles may repeat ("Overview") and their links
    // point at other docs, not entries.
    if (e.source) continue;
    claim(normalKey(e.id), e.id, "id", e.file, "id");
    claim(normalKey(e.title), e.id, "title", e.file, "title");
    const seen = new Map<string, string>([
      [normalKey(e.title), "the title"],
      [normalKey(e.id), "the id"],
    ]);
    e.aliases.forEach((alias, i) => {
      const key = normalKey(alias);
      const same = seen.get(key);
      if (same) {
        problems.push({
          file: e.file,
          field: `aliases[${i}]`,
          message: `"${alias}" means the same as ${same} once case, plurals and command forms (docker ps = docker container ls) are normalised; keep one`,
        });
        return;
      }
      seen.set(key, `aliases[${i}]`);
      claim(key, e.id, "alias", e.file, `aliases[${i}]`);
    });
    e.related.forEach((id, i) => {
      if (id === e.id)
        problems.push({ file: e.file, field: `related[${i}]`, message: "an entry cannot be related to itself" });
      else if (!kb.byId.has(id))
        problems.push({ file: e.file, field: `related[${i}]`, message: `no entry has the id "${id}"` });
    });
    e.compare?.sides.forEach((side, i) => {
      if (side.id && !kb.byId.has(side.id)) {
        problems.push({ file: e.file, field: `compare.sides[${i}].id`, message: `no entry has the id "${side.id}"` });
      }
    });
    for (const m of e.body.matchAll(LINK)) {
      const target = m[1] as string;
      if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
      const id = target.replace(/^\.\//, "").replace(/#.*$/, "").replace(/\.md$/, "");
      if (!kb.byId.has(id)) {
        problems.push({
          file: e.file,
          field: "body",
          message: `links to "${target}", but no entry has the id "${id}"`,
        });
      }
    }
  }

  // Within one pack, no two sections ask the same question: a passage is found by its heading.
  const headings = new Map<string, { file: string; heading: string }>();
  for (const e of kb.entries) {
    if (e.source) continue;
    for (const s of e.sections) {
      const key = `${e.pack}\u0000${headingKey(s.heading)}`;
      const first = headings.get(key);
      if (first && first.file !== e.file) {
        problems.push({
          file: e.file,
          field: "body",
          message: `section "${s.heading}" has the same heading as a section of ${first.file}; make each heading name its own question`,
          lintOnly: true,
        });
      } else if (first) {
        problems.push({
          file: e.file,
          field: "body",
          message: `has two sections headed "${s.heading}"`,
          lintOnly: true,
        });
      } else headings.set(key, { file: e.file, heading: s.heading });
    }
  }

  for (const t of kb.tracks) {
    const seen = new Set<string>();
    t.steps.forEach((step, i) => {
      if (!kb.byId.has(step.entry)) {
        problems.push({ file: t.file, field: `steps[${i}].entry`, message: `no entry has the id "${step.entry}"` });
      }
      if (seen.has(step.entry)) {
        problems.push({
          file: t.file,
          field: `steps[${i}].entry`,
          message: `"${step.entry}" is already an earlier step`,
        });
      }
      seen.add(step.entry);
    });
  }
  return problems;
}
