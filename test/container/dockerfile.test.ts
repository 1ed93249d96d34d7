// Dockhand's Dockerfile is a teaching example: these checks hold it to the knowledge pack's
// "Dockerfile best practices" entry, one rule per test, each failure saying which rule broke.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Copy,
  DockerfileParser,
  type From,
  type Healthcheck,
  type Instruction,
  JSONInstruction,
} from "dockerfile-ast";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => fs.readFileSync(`${root}/${file}`, "utf8");
const text = read("Dockerfile");
const dockerfile = DockerfileParser.parse(text);

interface Stage {
  from: From;
  name: string | null;
  instructions: Instruction[];
}

/** The instructions grouped by the FROM that starts each stage. */
const stages: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  if (instruction.getKeyword() === "FROM") {
    const from = instruction as From;
    stages.push({ from, name: from.getBuildStage()?.toLowerCase() ?? null, instructions: [] });
  } else {
    stages.at(-1)?.instructions.push(instruction);
  }
}
const stageNames = new Set(stages.map((s) => s.name).filter((n): n is string => n !== null));
const final = stages.at(-1) as Stage;
const build = stages.find((s) => s.name === "build") ?? (stages[0] as Stage);

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const content = (i: Instruction) => (i.getRawArgumentsContent() ?? "").replace(/\\\n/g, " ").replace(/\s+/g, " ");
const fromFlag = (i: Instruction) => (i as Copy).getFromFlag?.()?.getValue() ?? null;
/** COPY's sources and destination, without flags such as --from or --chown. */
const copyPaths = (i: Instruction) => args(i).filter((a) => !a.startsWith("--"));
const indexOf = (stage: Stage, pred: (i: Instruction) => boolean) => stage.instructions.findIndex(pred);
/** ENV key=value pairs of a stage, later ones winning. */
const envOf = (stage: Stage) => {
  const env: Record<string, string> = {};
  for (const i of all(stage, "ENV")) {
    for (const pair of args(i)) {
      const eq = pair.indexOf("=");
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
};
/** The exec-form JSON array of CMD, ENTRYPOINT or HEALTHCHECK CMD, or null for shell form. */
const execForm = (i: Instruction): string[] | null => {
  const raw = (i.getRawArgumentsContent() ?? "").replace(/\\\n/g, " ");
  const json = i.getKeyword() === "HEALTHCHECK" ? raw.replace(/^(--\S+\s+)*CMD\s+/, "") : raw.trim();
  if (!json.trim().startsWith("[")) return null;
  if (i instanceof JSONInstruction) return i.getJSONStrings().map((s) => s.getJSONValue());
  return JSON.parse(json) as string[];
};

describe("Dockerfile", () => {
  it("is a multi-stage build: a build stage, and a runtime stage that copies from it", () => {
    expect(stages.length, "rule: multi-stage (at least a build and a runtime stage)").toBeGreaterThanOrEqual(2);
    const copiesFromBuild = all(final, "COPY").some((c) => fromFlag(c) === build.name);
    expect(copiesFromBuild, `rule: the final stage copies its files with COPY --from=${build.name}`).toBe(true);
  });

  it("pins every base image to the node:20-bookworm-slim tag, never latest", () => {
    const bases = stages.filter((s) => !stageNames.has(s.from.getImage()?.toLowerCase() ?? ""));
    expect(bases.length, "rule: at least one FROM names an image").toBeGreaterThan(0);
    for (const { from } of bases) {
      const where = `FROM ${from.getImage()} (line ${from.getRange().start.line + 1})`;
      expect(from.getImageName(), `rule: Node.js base image; ${where}`).toBe("node");
      expect(from.getImageTag(), `rule: pinned tag 20-bookworm-slim, not latest or none; ${where}`).toBe(
        "20-bookworm-slim",
      );
    }
    expect(text, "rule: a comment shows how to pin the base by digest (@sha256:...)").toMatch(/#.*@sha256:/);
  });

  it("copies package.json and package-lock.json and runs npm ci before copying the sources", () => {
    const manifests = indexOf(build, (i) => {
      if (i.getKeyword() !== "COPY" || fromFlag(i)) return false;
      const paths = copyPaths(i);
      return paths.includes("package.json") && paths.includes("package-lock.json");
    });
    const install = indexOf(build, (i) => i.getKeyword() === "RUN" && /\bnpm ci\b/.test(content(i)));
    const sources = indexOf(build, (i) => {
      if (i.getKeyword() !== "COPY" || fromFlag(i)) return false;
      return copyPaths(i)
        .slice(0, -1)
        .some((p) => p === "." || p === "./" || p.startsWith("src"));
    });
    expect(manifests, "rule: the build stage copies package.json and package-lock.json on their own").toBeGreaterThan(
      -1,
    );
    expect(install, "rule: the build stage runs npm ci").toBeGreaterThan(manifests);
    expect(sources, "rule: the sources are copied after npm ci, so the install layer stays cached").toBeGreaterThan(
      install,
    );
  });

  it("updates, installs and cleans apt in one RUN, without recommends", () => {
    const aptRuns = stages.flatMap((s) => all(s, "RUN")).filter((r) => /apt-get (-\S+ )*install/.test(content(r)));
    for (const run of aptRuns) {
      const line = `RUN on line ${run.getRange().start.line + 1}`;
      expect(content(run), `rule: apt-get update in the same RUN as install; ${line}`).toMatch(/apt-get update/);
      expect(content(run), `rule: --no-install-recommends; ${line}`).toMatch(/--no-install-recommends/);
      expect(content(run), `rule: rm -rf /var/lib/apt/lists/* in the same RUN; ${line}`).toMatch(
        /rm -rf \/var\/lib\/apt\/lists/,
      );
    }
  });

  it("type-checks and lints in the build stage, then prunes the dev dependencies", () => {
    const script = all(build, "RUN").map(content).join(" && ");
    const typecheck = script.search(/npm run typecheck/);
    const lint = script.search(/src\/bin\.js lint/);
    const prune = script.search(/npm prune --omit=dev/);
    expect(typecheck, "rule: the build stage runs npm run typecheck").toBeGreaterThan(-1);
    expect(lint, "rule: the build stage runs node src/bin.js lint").toBeGreaterThan(-1);
    expect(prune, "rule: npm prune --omit=dev after the checks").toBeGreaterThan(Math.max(typecheck, lint));
  });

  it("installs no dev dependencies in the runtime stage and copies only what it needs", () => {
    for (const run of all(final, "RUN")) {
      const c = content(run);
      if (/\bnpm (ci|install|i)\b/.test(c)) {
        expect(c, "rule: a runtime-stage npm install must use --omit=dev").toMatch(/--omit=dev/);
      }
      expect(c, "rule: no type check or tests in the runtime stage").not.toMatch(/typecheck|vitest|npm test/);
    }
    const modules = all(final, "COPY").find((c) => copyPaths(c).some((p) => p.includes("node_modules")));
    const prodInstall = all(final, "RUN").some((r) => /npm ci\b.*--omit=dev/.test(content(r)));
    expect(
      (modules && fromFlag(modules) === build.name) || prodInstall,
      "rule: node_modules come pruned from the build stage, or from npm ci --omit=dev",
    ).toBe(true);
    const wholeContext = all(final, "COPY").filter((c) => !fromFlag(c) && copyPaths(c).slice(0, -1).includes("."));
    expect(wholeContext.map(content), "rule: the runtime stage does not COPY . (the whole context)").toEqual([]);
  });

  it("runs as a numeric, non-root USER in the final stage", () => {
    const user = all(final, "USER").at(-1);
    expect(user, "rule: the final stage sets USER").toBeDefined();
    const value = args(user as Instruction).join(" ");
    expect(value, "rule: USER is numeric (uid or uid:gid), not a name").toMatch(/^\d+(:\d+)?$/);
    expect(Number(value.split(":")[0]), "rule: USER is not root (0)").not.toBe(0);
  });

  it("declares VOLUME /data, owned by that user before the VOLUME line", () => {
    const volume = indexOf(
      final,
      (i) => i.getKeyword() === "VOLUME" && args(i).some((a) => /^\[?"?\/data"?\]?$/.test(a)),
    );
    expect(volume, "rule: VOLUME /data in the final stage").toBeGreaterThan(-1);
    const uid = args(all(final, "USER").at(-1) as Instruction)[0]?.split(":")[0] ?? "";
    const chown = indexOf(
      final,
      (i) => i.getKeyword() === "RUN" && new RegExp(`chown (-R )?${uid}(:\\d+)? .*/data`).test(content(i)),
    );
    expect(
      chown,
      `rule: /data is chowned to ${uid} before VOLUME (changes after VOLUME are discarded)`,
    ).toBeGreaterThan(-1);
    expect(chown, "rule: the chown of /data comes before VOLUME /data").toBeLessThan(volume);
  });

  it("sets NODE_ENV=production, PORT and DOCKHAND_DB_PATH under /data, and EXPOSEs PORT", () => {
    const env = envOf(final);
    expect(env.NODE_ENV, "rule: ENV NODE_ENV=production").toBe("production");
    expect(env.PORT, "rule: ENV PORT").toMatch(/^\d+$/);
    expect(env.DOCKHAND_DB_PATH, "rule: ENV DOCKHAND_DB_PATH in the /data volume").toMatch(/^\/data\//);
    const exposed = all(final, "EXPOSE").flatMap(args);
    expect(exposed, "rule: EXPOSE the PORT the image sets").toContain(env.PORT);
  });

  it("has an exec-form HEALTHCHECK that runs src/tools/healthcheck.js", () => {
    const health = all(final, "HEALTHCHECK").at(-1);
    expect(health, "rule: the final stage has a HEALTHCHECK").toBeDefined();
    const command = execForm(health as Instruction);
    expect(command, 'rule: HEALTHCHECK CMD in exec form (["node", ...]), not shell form').not.toBeNull();
    expect(command?.[0], "rule: the health check runs node, not curl (the slim image has none)").toBe("node");
    const script = command?.find((a) => a.endsWith("healthcheck.js")) ?? "";
    expect(script, "rule: the health check runs src/tools/healthcheck.js").toMatch(/src\/tools\/healthcheck\.js$/);
    expect(fs.existsSync(`${root}/src/tools/healthcheck.js`), "rule: src/tools/healthcheck.js exists").toBe(true);
    const flags = (health as Healthcheck).getFlags().map((f) => f.getName());
    expect(flags, "rule: the health check sets a --timeout").toContain("timeout");
  });

  it("starts node directly in exec form (PID 1 gets SIGTERM), with no shell wrapper", () => {
    const entrypoint = all(final, "ENTRYPOINT").at(-1);
    const cmd = all(final, "CMD").at(-1);
    for (const i of [entrypoint, cmd].filter((x): x is Instruction => x !== undefined)) {
      expect(execForm(i), `rule: ${i.getKeyword()} in exec form (a JSON array)`).not.toBeNull();
    }
    const command = [...(entrypoint ? (execForm(entrypoint) ?? []) : []), ...(cmd ? (execForm(cmd) ?? []) : [])];
    expect(command[0], "rule: the command starts node itself").toBe("node");
    expect(command, "rule: no sh -c wrapper").not.toContain("-c");
    expect(command.join(" "), "rule: the default command is src/bin.js start").toMatch(/src\/bin\.js start$/);
  });
});

describe(".dockerignore", () => {
  const patterns = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const ignored = (p: string) => patterns.some((pattern) => pattern.replace(/^\/|\/$/g, "") === p);

  it("keeps node_modules, .git, .env, local data, tests and coverage out of the context", () => {
    for (const p of ["node_modules", ".git", ".env", "data", "*.db", "test", "coverage"]) {
      expect(ignored(p), `rule: .dockerignore lists ${p}`).toBe(true);
    }
  });

  it("does not ignore what the Dockerfile copies", () => {
    for (const p of ["package.json", "package-lock.json", "tsconfig.json", "src", "commands", "knowledge"]) {
      expect(ignored(p), `rule: .dockerignore must not list ${p}, which the image needs`).toBe(false);
    }
  });
});

describe("README's Docker section", () => {
  const readme = read("README.md");
  const start = readme.indexOf("\n## Docker\n");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const script = read("scripts/container-check.sh");

  it("exists, before Development", () => {
    expect(start, "the README has a ## Docker section").toBeGreaterThan(-1);
    expect(start, "## Docker comes before ## Development").toBeLessThan(readme.indexOf("\n## Development"));
  });

  it("uses the image name, volume path and port that the script and the Dockerfile use", () => {
    const image = /^IMAGE=localhost\/(\S+)$/m.exec(script)?.[1];
    expect(image, "scripts/container-check.sh sets IMAGE=localhost/<name>").toBeDefined();
    expect(section, `the README builds the image as ${image}`).toContain(`docker build -t ${image} .`);
    const env = envOf(final);
    expect(section, "the README mounts the /data volume").toContain(":/data");
    expect(section, "the README names the database path").toContain(env.DOCKHAND_DB_PATH);
    expect(section, "the README publishes the image's PORT").toContain(`${env.PORT}:${env.PORT}`);
    expect(section, "the README names the check script").toContain("scripts/container-check.sh");
  });
});
