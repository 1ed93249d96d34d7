import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The `dockhand` command as `npm start` and the container run it. */
export const bin = fileURLToPath(new URL("../../src/bin.js", import.meta.url));

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Running {
  child: ChildProcess;
  port: number;
  dir: string;
  stderr: () => string;
  /** The JSON log lines. */
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Runs as another user where the test runs as root, so that file permissions apply to Dockhand. */
export const asUnprivileged: { uid?: number; gid?: number } =
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/**
 * Starts `dockhand start` in a child process with a port, in a fresh directory (no .env from the
 * repository), and waits for "Dockhand is running". `cleanups` gets what stops and removes it.
 */
export async function startDockhand(
  env: Record<string, string>,
  cleanups: (() => Promise<void> | void)[],
  o: { dir?: string; user?: { uid?: number; gid?: number }; startTimeoutMs?: number } = {},
): Promise<Running> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-proc-"));
  const port = await freePort();
  const child = spawn(process.execPath, [bin, "start"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      PORT: String(port),
      DOCKHAND_DB_PATH: path.join(dir, "dockhand.db"),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    ...(o.user ?? {}),
  });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const started = Date.now();
  while (!/Dockhand is running/.test(err)) {
    if (child.exitCode !== null) throw new Error(`dockhand exited early (${child.exitCode}):\n${err}`);
    if (Date.now() - started > (o.startTimeoutMs ?? 30_000)) throw new Error(`dockhand did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, dir, stderr: () => err, stdout: () => out, exited };
}

/** Runs `dockhand ARGS` to its end (start-up failures, lint): exit code and output. */
export async function runDockhand(
  args: string[],
  env: Record<string, string>,
  o: { cwd: string; user?: { uid?: number; gid?: number }; timeoutMs?: number },
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: o.cwd, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(o.user ?? {}),
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  clearTimeout(timer);
  return { code, stderr, stdout };
}
