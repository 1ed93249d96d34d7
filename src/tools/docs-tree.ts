import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KnowledgeBase } from "../core/knowledge/loader.ts";

/**
 * Writes a team's docs folder as people keep one: `files` plain Markdown files (no frontmatter) in
 * nested folders, each a title and a few sections reworded from the built-in entries, a runbook
 * section of its own, and a `pack.yaml` that makes the folder a reference pack. For tests and
 * the benchmark.
 */
export function writeDocsTree(
  kb: KnowledgeBase,
  dir: string,
  files: number,
  baseUrl = "https://git.example.com/team/docs/blob/main/",
): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "pack.yaml"),
    `kind: reference\nname: team-docs\nbaseUrl: ${baseUrl}\nexclude: ["drafts/**"]\n`,
  );
  const areas = ["runbooks", "services/payments", "services/search", "platform/ci", "onboarding", "drafts"];
  const written: string[] = [];
  for (let i = 0; i < files; i++) {
    const e = kb.entries[i % kb.entries.length];
    if (!e) break;
    const area = areas[i % areas.length] as string;
    const path = `${area}/${e.id}-${i}.md`;
    const sections = e.sections
      .slice(0, 4)
      .map((s) => `## ${s.heading}\n\n${s.text}\n`)
      .join("\n");
    const text = `# ${e.title} in service ${i}\n\nOwned by team ${i % 17}. ${e.summary}\n\n${sections}\n## Rollback for service ${i}\n\nRun \`deploy rollback svc-${i}\` and page the on-call of team ${i % 17}.\n`;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    written.push(path);
  }
  return written;
}
