import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-session-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The environment of this process without chat tokens or Dockhand settings, plus `extra`. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(SLACK_|DISCORD_|DOCKHAND_)/.test(k) || k === "DATABASE_URL" || k === "PORT" || k === "LOG_LEVEL") continue;
    out[k] = v;
  }
  return { ...out, NO_COLOR: "1", ...extra };
}

interface Session {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout matches. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  done: Promise<number | null>;
}

function start(extra: Record<string, string>): Session {
  const child = spawn(process.execPath, ["src/bin.js", "start"], { cwd: root, env: env(extra) });
  let out = "";
  let err = "";
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      for (const w of waiters) w.resolve(Object.assign([] as unknown as RegExpExecArray, { index: -1 }));
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      }),
    done,
  };
}

const dbPath = (name: string) => path.join(tmp, name, "d.db");

// Each case is one child process of about a second; they run side by side.
describe.concurrent("dockhand start, as a terminal chat over a pipe", () => {
  it("answers, and a typed number presses the button it shows", { timeout: 30_000 }, async ({ expect }) => {
    const s = start({ DOCKHAND_DB_PATH: dbPath("chat") });
    s.child.stdin.write("/docker volumes vs bind mounts\n");
    const shown = await s.waitFor(/\[(\d+)\] Show more/);
    const n = shown[1];
    expect(n, s.stdout() + s.stderr()).toMatch(/^\d+$/);
    s.child.stdin.write(`${n}\n`);
    await s.waitFor(/\(1\/\d+\)/);
    s.child.stdin.end();
    const code = await s.done;

    const stdout = s.stdout();
    expect(code, s.stderr()).toBe(0);
    expect(stdout).toContain("Volumes vs bind mounts");
    expect(stdout).toMatch(/^ +│ Volume +│ Bind mount$/m);
    expect(stdout).toMatch(/^Who manages it +│ /m);
    expect(stdout).toMatch(/Volumes vs bind mounts \(1\/\d+\)/);
    expect(stdout).not.toContain("\x1b[");
    const notices = s
      .stderr()
      .split("\n")
      .filter((l) => l.includes("No chat platform connected"));
    expect(notices).toHaveLength(1);
    expect(s.stderr()).not.toMatch(/"level":\s*[45]0|Error|\bat .*\.ts:\d+/);
    expect(fs.existsSync(dbPath("chat"))).toBe(true);
  });

  it("answers a question piped in with echo, then exits", { timeout: 30_000 }, async ({ expect }) => {
    const s = start({ DOCKHAND_DB_PATH: dbPath("echo") });
    s.child.stdin.end("/docker how do I publish a port\n");
    const code = await s.done;
    expect(code, s.stderr()).toBe(0);
    expect(s.stdout()).toMatch(/^Publishing container ports$/m);
    expect(s.stdout()).toMatch(/\[\d+\] Show more/);
    expect(s.stdout()).toMatch(/-p/);
  });

  it("refuses a DATABASE_URL that is not PostgreSQL, naming the variable, without a stack trace", {
    timeout: 30_000,
  }, async ({ expect }) => {
    const s = start({ DOCKHAND_DB_PATH: dbPath("bad"), DATABASE_URL: "mysql://x" });
    s.child.stdin.end("/docker help\n");
    const code = await s.done;
    expect(code).not.toBe(0);
    expect(s.stderr()).toContain("DATABASE_URL");
    expect(s.stderr()).not.toContain("mysql://x");
    expect(s.stderr()).not.toMatch(/^\s+at /m);
    expect(s.stdout()).toBe("");
  });
});
