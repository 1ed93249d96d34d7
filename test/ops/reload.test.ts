import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDockhand } from "./dockhand-process.ts";

/** SIGHUP reloads the packs in the running process: a good pack is swapped in, a bad one is not. */
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const fixtures = path.join(import.meta.dirname, "../fixtures/packs");
const getJson = async (port: number, p: string) => (await fetch(`http://127.0.0.1:${port}${p}`)).json();
const until = async (what: () => Promise<boolean>, ms = 60_000) => {
  const started = Date.now();
  while (!(await what())) {
    if (Date.now() - started > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("reloading the knowledge packs", () => {
  it("swaps in a good pack on SIGHUP, keeps the old index on a bad one, and says so in /healthz and /metrics", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-reload-"));
    const team = path.join(dir, "team");
    fs.mkdirSync(team);
    const run = await startDockhand({ DOCKHAND_KNOWLEDGE: team, LOG_LEVEL: "info" }, cleanups, { dir });
    const health = async () =>
      (await getJson(run.port, "/healthz")) as { ok: boolean; checks: { knowledge: { detail: string } } };
    const first = await health();
    expect(first.ok).toBe(true);
    expect(first.checks.knowledge.detail).toMatch(/^113 entries; packs [0-9a-f]{16}$/);
    const firstHash = first.checks.knowledge.detail.slice(-16);

    // A good pack: one more entry, a new hash.
    fs.copyFileSync(path.join(fixtures, "extra/team-registry-mirror.md"), path.join(team, "team-registry-mirror.md"));
    run.child.kill("SIGHUP");
    await until(async () => (await health()).checks.knowledge.detail.startsWith("114 entries"));
    expect((await health()).checks.knowledge.detail.slice(-16)).not.toBe(firstHash);

    // A bad pack: the old index keeps serving and the problem is logged with its file.
    fs.copyFileSync(path.join(fixtures, "broken/broken-entry.md"), path.join(team, "broken-entry.md"));
    run.child.kill("SIGHUP");
    await until(async () => run.stdout().includes("knowledge reload failed"));
    expect((await health()).checks.knowledge.detail).toMatch(/^114 entries/);
    expect(run.stdout()).toMatch(/"problem":"[^"]*broken-entry\.md: /);
    const metrics = await (await fetch(`http://127.0.0.1:${run.port}/metrics`)).text();
    expect(metrics).toContain('dockhand_knowledge_reloads_total{outcome="ok"} 1');
    expect(metrics).toContain('dockhand_knowledge_reloads_total{outcome="failed"} 1');
    expect(run.child.exitCode).toBeNull();
  }, 120_000);
});
