import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const rel = (file: string) => path.relative(root, file).split(path.sep).join("/");

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ts|mts|cts|js|mjs)$/.test(d.name) && !d.name.endsWith(".d.ts"))
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

interface Import {
  specifier: string;
  /** Only types: erased at compile time, so no runtime dependency. */
  typeOnly: boolean;
  line: number;
}

interface Scan {
  imports: Import[];
  /** Lines that read the environment: process.env, process["env"], or env from node:process. */
  envReads: number[];
}

function scan(file: string): Scan {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const imports: Import[] = [];
  const envReads: number[] = [];
  const isProcess = (e: ts.Expression) =>
    (ts.isIdentifier(e) && e.text === "process") ||
    (ts.isPropertyAccessExpression(e) &&
      e.name.text === "process" &&
      /globalThis|global/.test(e.expression.getText(sf)));
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly)));
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly, line: lineOf(node) });
      if (/^(node:)?process$/.test(node.moduleSpecifier.text) && /\benv\b|\*|^import process/.test(node.getText(sf)))
        envReads.push(lineOf(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (!!node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly, line: lineOf(node) });
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if ((dynamic || required) && arg && ts.isStringLiteralLike(arg)) {
        imports.push({ specifier: arg.text, typeOnly: false, line: lineOf(node) });
      }
    } else if (ts.isImportTypeNode(node)) {
      // import("x").T in a type position: types only
    } else if (ts.isPropertyAccessExpression(node) && node.name.text === "env" && isProcess(node.expression)) {
      envReads.push(lineOf(node));
    } else if (
      ts.isVariableDeclaration(node) &&
      ts.isObjectBindingPattern(node.name) &&
      node.initializer &&
      isProcess(node.initializer) &&
      node.name.elements.some((e) => (e.propertyName ?? e.name).getText(sf) === "env")
    ) {
      envReads.push(lineOf(node));
    } else if (
      ts.isElementAccessExpression(node) &&
      isProcess(node.expression) &&
      ts.isStringLiteralLike(node.argumentExpression) &&
      node.argumentExpression.text === "env"
    ) {
      envReads.push(lineOf(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, envReads };
}

/** Platform SDKs, HTTP servers and database drivers: none belongs in the platform-neutral core. */
const FORBIDDEN: { name: string; test: (s: string) => boolean }[] = [
  { name: "discord.js", test: (s) => s === "discord.js" || s.startsWith("discord.js/") },
  { name: "discord-api-types", test: (s) => s === "discord-api-types" || s.startsWith("discord-api-types/") },
  { name: "@slack/*", test: (s) => s.startsWith("@slack/") },
  { name: "HTTP", test: (s) => /^(node:)?(http|https|http2)(\/|$)/.test(s) },
  { name: "better-sqlite3", test: (s) => s === "better-sqlite3" || s.startsWith("better-sqlite3/") },
  { name: "pg", test: (s) => /^(pg|pg-pool|pg-native)(\/|$)/.test(s) },
  { name: "kysely", test: (s) => s === "kysely" || s.startsWith("kysely/") },
];

const neutral = [...sourceFiles("commands"), ...sourceFiles("src/core")];
const scans = new Map<string, Scan>();
const scanOf = (file: string) => {
  let s = scans.get(file);
  if (!s) {
    s = scan(file);
    scans.set(file, s);
  }
  return s;
};

/** A relative specifier resolved to a file, or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = path.resolve(path.dirname(from), specifier);
  for (const candidate of [target, `${target}.ts`, path.join(target, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return target;
}

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;
/** Files allowed over the line limit for now, with what splitting them means. The list can only shrink. */
const OVERSIZED = new Set([
  // The search tiers (exact, comparison, ranked, passages, abstain): one file per tier.
  "src/core/knowledge/search.ts",
]);

/** Functions (declarations, methods, arrows) longer than the limit, with their first line. */
function longFunctions(file: string, text: string): { name: string; line: number; lines: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(sf) ?? "(anonymous)";
      if (last - first + 1 > MAX_FUNCTION_LINES) out.push({ name, line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The import circles among `files` (strongly connected components of two or more files), each sorted. */
function circles(files: string[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = scanOf(file).imports.flatMap((imp) => {
      const to = resolveLocal(file, imp.specifier);
      return to && files.includes(to) ? [to] : [];
    });
    edges.set(file, targets);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) connect(file);
  return found;
}

describe("boundaries of the platform-neutral core (commands/ and src/core/)", () => {
  it("finds the files it guards", () => {
    expect(neutral.map(rel)).toEqual(expect.arrayContaining(["commands/index.ts", "src/core/dispatch.ts"]));
  });

  it("imports no platform SDK, HTTP module or database driver (type-only imports allowed)", () => {
    const problems: string[] = [];
    for (const file of neutral) {
      for (const imp of scanOf(file).imports) {
        if (imp.typeOnly) continue;
        const hit = FORBIDDEN.find((f) => f.test(imp.specifier));
        if (hit) problems.push(`${rel(file)}:${imp.line} imports "${imp.specifier}" (${hit.name})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("reaches none of them through local runtime imports either", () => {
    const problems: string[] = [];
    for (const start of neutral) {
      const seen = new Set<string>();
      const walk = (file: string, chain: string[]) => {
        if (seen.has(file) || !fs.existsSync(file)) return;
        seen.add(file);
        for (const imp of scanOf(file).imports) {
          if (imp.typeOnly) continue;
          const hit = FORBIDDEN.find((f) => f.test(imp.specifier));
          if (hit) problems.push(`${[...chain, rel(file)].join(" → ")} imports "${imp.specifier}" (${hit.name})`);
          const local = resolveLocal(file, imp.specifier);
          if (local) walk(local, [...chain, rel(file)]);
        }
      };
      walk(start, []);
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it("imports the store, config, adapters and composition root for types only", () => {
    const problems: string[] = [];
    for (const file of neutral) {
      for (const imp of scanOf(file).imports) {
        const target = resolveLocal(file, imp.specifier);
        if (!target || imp.typeOnly) continue;
        const r = rel(target);
        if (/^src\/(store|adapters)\//.test(r) || /^src\/(config|main|cli)\.ts$/.test(r)) {
          problems.push(`${rel(file)}:${imp.line} imports "${imp.specifier}" at runtime`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("never reads process.env", () => {
    const problems = neutral.flatMap((file) => scanOf(file).envReads.map((line) => `${rel(file)}:${line}`));
    expect(problems).toEqual([]);
  });
});

describe("the layout: one home per feature", () => {
  const everything = [...sourceFiles("src"), ...sourceFiles("commands")].filter((f) => /\.(ts|mts|cts)$/.test(f));
  /** Every local import (types included) that lands in `target`, as "file:line → specifier". */
  const importsInto = (files: string[], target: RegExp) =>
    files.flatMap((file) =>
      scanOf(file)
        .imports.filter((imp) => {
          const to = resolveLocal(file, imp.specifier);
          return to !== undefined && target.test(rel(to));
        })
        .map((imp) => `${rel(file)}:${imp.line} → ${imp.specifier}`),
    );

  it("src/core and commands/ use the features' ports, never src/store (types included)", () => {
    expect(importsInto(neutral, /^src\/store\//)).toEqual([]);
  });

  it("adapters do not import src/store either (they get the ports they need)", () => {
    expect(importsInto(sourceFiles("src/adapters"), /^src\/store\//)).toEqual([]);
  });

  it("nothing that ships imports test code", () => {
    expect(importsInto(everything, /^test\//)).toEqual([]);
  });

  it("has no import circle (type-only imports count: they tie the files together as much)", () => {
    expect(circles(everything)).toEqual([]);
  });

  it(`keeps files to ${MAX_FILE_LINES} lines and functions to ${MAX_FUNCTION_LINES} in src/ and commands/`, () => {
    const problems: string[] = [];
    for (const file of everything) {
      const text = fs.readFileSync(file, "utf8");
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      if (lines > MAX_FILE_LINES && !OVERSIZED.has(rel(file))) problems.push(`${rel(file)}: ${lines} lines`);
      if (lines <= MAX_FILE_LINES && OVERSIZED.has(rel(file)))
        problems.push(`${rel(file)} fits now: take it off OVERSIZED`);
      for (const f of longFunctions(file, text)) problems.push(`${rel(file)}:${f.line} ${f.name}: ${f.lines} lines`);
    }
    expect(problems).toEqual([]);
  });
});

describe("the environment", () => {
  it("is read only by src/config.ts", () => {
    const readers = sourceFiles("src")
      .filter((file) => scanOf(file).envReads.length > 0)
      .map(rel);
    // The container's HEALTHCHECK runs healthcheck.js as a program of its own, in plain JavaScript so
    // that it starts fast; it reads only PORT, as config.ts does.
    expect(readers).toEqual(["src/config.ts", "src/tools/healthcheck.js"]);
  });
});

describe("the scanner itself", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-scan-"));
  const scanText = (text: string) => {
    const file = path.join(tmp, `f${Math.random().toString(36).slice(2)}.ts`);
    fs.writeFileSync(file, text);
    return scan(file);
  };

  it("tells runtime imports from type-only ones, and finds env reads", () => {
    const s = scanText(
      [
        'import type { Kysely } from "kysely";',
        'import { type Store } from "../store/index.ts";',
        'import { sql } from "kysely";',
        'import { type A, b } from "pg";',
        'export { x } from "discord.js";',
        'export type { Y } from "@slack/bolt";',
        'const http = await import("node:http");',
        "const v = process.env.X;",
        'const w = process["env"];',
        "const { env } = process;",
        "// process.env in a comment is fine",
        'const s = "process.env in a string is fine";',
      ].join("\n"),
    );
    expect(s.imports).toEqual([
      { specifier: "kysely", typeOnly: true, line: 1 },
      { specifier: "../store/index.ts", typeOnly: true, line: 2 },
      { specifier: "kysely", typeOnly: false, line: 3 },
      { specifier: "pg", typeOnly: false, line: 4 },
      { specifier: "discord.js", typeOnly: false, line: 5 },
      { specifier: "@slack/bolt", typeOnly: true, line: 6 },
      { specifier: "node:http", typeOnly: false, line: 7 },
    ]);
    expect(s.envReads).toEqual([8, 9, 10]);
  });

  it("finds an import circle, types included, and a function over the limit", () => {
    const a = path.join(tmp, "a.ts");
    const b = path.join(tmp, "b.ts");
    const c = path.join(tmp, "c.ts");
    fs.writeFileSync(a, 'import type { B } from "./b.ts";\nexport type A = B;\n');
    fs.writeFileSync(b, 'import { c } from "./c.ts";\nexport type B = number;\nexport const b = c;\n');
    fs.writeFileSync(
      c,
      `import type { A } from "./a.ts";\nexport const c = 1;\nexport function long() {\n${"  void 0;\n".repeat(130)}}\n`,
    );
    expect(circles([a, b, c]).map((circle) => circle.map((f) => path.basename(f)))).toEqual([["a.ts", "b.ts", "c.ts"]]);
    expect(longFunctions(c, fs.readFileSync(c, "utf8"))).toEqual([{ name: "long", line: 3, lines: 132 }]);
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
});
