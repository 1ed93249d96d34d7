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

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
});
