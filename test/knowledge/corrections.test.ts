/**
 * The team's original Docker notes made claims that are wrong for Docker Engine 27+ and Compose v2
 * (see the end of /work/shared/knowledge-taxonomy.md). These tests check that the pack states the
 * corrected facts, in the entries where a reader looks for them.
 */
import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/core/knowledge/loader.ts";
import type { Entry } from "../../src/core/knowledge/schema.ts";
import { builtInPacks } from "../../src/paths.ts";

const { kb, problems } = loadKnowledge(builtInPacks);

function entry(id: string): Entry {
  const e = kb.byId.get(id);
  if (!e) throw new Error(`no entry ${id}`);
  return e;
}

/** Whitespace collapsed, so that regexes can span the hard-wrapped lines of the body. */
const flat = (s: string) => s.replace(/\s+/g, " ");

/** Everything a reader sees of an entry: summary, commands, body, comparison, quiz. */
function text(id: string): string {
  const e = entry(id);
  return flat(
    [
      e.summary,
      ...e.commands.flatMap((c) => [c.cmd, c.does]),
      e.body,
      ...(e.compare?.rows.flatMap((r) => [r.aspect, ...r.values]) ?? []),
      ...e.quiz.flatMap((q) => [q.question, ...q.choices, q.explanation]),
      // each part is a statement of its own (a quiz choice has no full stop): keep them apart
    ].join(" | "),
  );
}

/** Sentences (or table rows) of `s` that match every pattern. */
function sentences(s: string, ...patterns: RegExp[]): string[] {
  return s.split(/(?<=[.;!?])\s+|\s*\|\s*\|?\s*/).filter((part) => patterns.every((p) => p.test(part)));
}

/** The correct choice of the quiz question matching `question`. */
function answerTo(id: string, question: RegExp): string {
  const q = entry(id).quiz.find((x) => question.test(x.question));
  if (!q) throw new Error(`${id}: no quiz question matches ${question}`);
  return q.choices[q.answer] as string;
}

it("the built-in packs load", () => {
  expect(problems).toEqual([]);
});

describe("container names resolve on user-defined networks, not on the default bridge", () => {
  const all = text("docker-networks");
  const summary = flat(entry("docker-networks").summary);

  it("the summary says the default bridge is IP only and user-defined networks resolve names", () => {
    expect(summary).toMatch(/default `bridge` network, where containers reach each other only by IP/);
    expect(summary).toMatch(
      /your own network \(`docker network create[^)]*\) and containers on it find each other by container name/,
    );
  });

  it("the comparison table gives name lookup to the user-defined bridge only", () => {
    expect(all).toMatch(/Find others by name \| no, IP only \| yes, built-in DNS/);
  });

  it("the quiz explains the difference the right way round", () => {
    expect(answerTo("docker-networks", /cannot reach each other by name/)).toMatch(
      /default bridge network has no DNS for container names.*user-defined network/,
    );
  });

  it("no sentence in the pack says names resolve on the default bridge", () => {
    let checked = 0;
    for (const e of kb.entries) {
      for (const s of sentences(text(e.id), /default (`)?bridge/i, /\bby (container )?name|resolv|\bDNS\b/i)) {
        expect(s, e.id).toMatch(/\b(no|not|only|never)\b/i);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("WORKDIR, not FROM, sets the working directory", () => {
  const all = text("dockerfile-instructions");
  const summary = flat(entry("dockerfile-instructions").summary);

  it("the summary gives the working directory to WORKDIR and the base image to FROM", () => {
    expect(summary).toMatch(/`WORKDIR` sets the working directory for later steps \(use it instead of `RUN cd`\)/);
    const from = /`FROM` ([^;]*);/.exec(summary)?.[1] ?? "";
    expect(from).toMatch(/base image/);
    expect(from).not.toMatch(/directory|cd\b/);
  });

  it("the table row for WORKDIR says it and prefers it over RUN cd; the FROM row does not", () => {
    expect(all).toMatch(/\| `WORKDIR \/app` \| Sets the working directory[^|]*Preferred over `RUN cd`/);
    const fromRow = /\| `FROM [^`]*` \| ([^|]*)\|/.exec(all)?.[1] ?? "";
    expect(fromRow).toMatch(/Base image/);
    expect(fromRow).not.toMatch(/working directory|RUN cd/i);
  });

  it("nowhere in the pack does FROM change the working directory", () => {
    for (const e of kb.entries)
      expect(text(e.id), e.id).not.toMatch(/\bFROM\b(?:(?!WORKDIR)[^.|;]){0,80}working directory/);
  });
});

describe("Compose's top-level version key is obsolete", () => {
  it("compose-file says not to write it: obsolete and ignored by Compose v2", () => {
    const summary = flat(entry("compose-file").summary);
    expect(summary).toMatch(/Do not write `version:`: it is obsolete and Compose v2 ignores it/);
    expect(answerTo("compose-file", /top-level key should you leave out/)).toBe("version");
    expect(text("compose-file")).toMatch(
      /leftover `version: "3\.\d"` triggers the warning "the attribute `version` is obsolete"/,
    );
  });

  it("docker-compose repeats that Compose v2 ignores it", () => {
    expect(text("docker-compose")).toMatch(/Compose v2 ignores the old top-level `version:` key/);
  });

  it("no example in the pack starts a Compose file with version:", () => {
    for (const e of kb.entries) expect(e.body, e.id).not.toMatch(/^\s*version:/m);
  });
});

describe("Docker Hub today", () => {
  const all = text("docker-hub");

  it("Docker Store and Docker Cloud are discontinued", () => {
    expect(all).toMatch(/\*\*Docker Store\*\* and \*\*Docker Cloud\*\* no longer exist/);
  });

  it("automated builds are a paid feature, in the summary and the body", () => {
    expect(flat(entry("docker-hub").summary)).toMatch(/Automated builds are a paid feature/);
    expect(all).toMatch(/\*\*Automated builds\*\* \([^)]*\) need a paid subscription/);
    expect(all).not.toMatch(/free automated builds|automated builds (are|for) free/i);
  });

  it("no other entry sends readers to Docker Store or Docker Cloud", () => {
    for (const e of kb.entries.filter((x) => x.id !== "docker-hub")) {
      expect(text(e.id), e.id).not.toMatch(/Docker (Store|Cloud)\b/);
    }
  });
});

describe("what prune removes", () => {
  const all = text("cleanup-disk-space");
  const summary = flat(entry("cleanup-disk-space").summary);

  it("docker system prune touches volumes only with --volumes", () => {
    expect(summary).toMatch(/Volumes are only touched with `--volumes`, and then only unused anonymous ones/);
    expect(all).toMatch(/\| `docker system prune` \|[^|]*volumes only with `--volumes`/);
    const plain = entry("cleanup-disk-space").commands.find((c) => c.cmd === "docker system prune");
    expect(plain?.does).toBeDefined();
    expect(plain?.does).not.toMatch(/volume/i);
  });

  it("docker volume prune removes only anonymous volumes unless --all", () => {
    expect(summary).toMatch(/named volumes need `docker volume prune --all`/);
    expect(all).toMatch(/\| `docker volume prune` \| unused anonymous volumes; `--all`: unused named ones too/);
    expect(flat(entry("volumes").summary)).toMatch(
      /`docker volume prune`, which removes only unused anonymous volumes unless you add `--all`/,
    );
  });

  it("the quiz marks the right reason a named volume survives system prune -a", () => {
    expect(answerTo("cleanup-disk-space", /named volume is still there/)).toMatch(
      /only pruned with --volumes, and even then only anonymous ones/,
    );
  });

  it("no sentence says volume prune removes named volumes without --all", () => {
    let checked = 0;
    for (const e of kb.entries) {
      for (const s of sentences(text(e.id), /docker volume prune(?! --all)/, /\bnamed\b/)) {
        expect(s, e.id).toMatch(/--all|-a\b|\bnot\b|only|\bskips?\b/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
