import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/**
 * The safety net runs in a child process: an error that escapes every handler must reach the
 * net, not the test runner's own handlers, and "the process stays up" is about a real process.
 */
const child = fileURLToPath(new URL("./fixtures/safety-net-child.ts", import.meta.url));
let kill: (() => void) | undefined;
afterEach(() => kill?.());

async function start(mode = "serving") {
  const p = spawn(process.execPath, ["--import", "tsx", child, mode], { stdio: ["ignore", "pipe", "pipe"] });
  kill = () => p.kill("SIGKILL");
  let out = "";
  p.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((r) => p.once("exit", r));
  while (!/PORT \d+/.test(out)) {
    if (p.exitCode !== null) throw new Error(`child exited: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(/PORT (\d+)/.exec(out)?.[1]);
  return { base: `http://127.0.0.1:${port}`, out: () => out, exited, p };
}

describe("the safety net", () => {
  it("answers a request whose work failed unseen with 500 and a reference, logs and counts it, and keeps serving", async () => {
    const c = await start();
    for (const path of ["/reject", "/throw"]) {
      const res = await fetch(`${c.base}${path}`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { ok: boolean; ref: string };
      expect(body.ok).toBe(false);
      expect(body.ref).toMatch(/^[0-9a-f]{8}$/);
      expect(c.out()).toContain(body.ref);
    }
    expect(await (await fetch(`${c.base}/counts`)).json()).toEqual({ request: 2, background: 0 });
    expect(c.p.exitCode).toBeNull();
  }, 20_000);

  it("stops the process for a damaged store, and for any such failure during start-up", async () => {
    const damaged = await start();
    await fetch(`${damaged.base}/corrupt`).catch(() => undefined);
    expect(await damaged.exited).toBe(3);
    expect(damaged.out()).toContain("unrecoverable error");

    const starting = await start("starting");
    await fetch(`${starting.base}/reject`).catch(() => undefined);
    expect(await starting.exited).toBe(3);
  }, 20_000);
});
