import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { assemble } from "../../src/assemble.ts";
import type { Caller } from "../../src/core/command.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { Metrics } from "../../src/ops/metrics.ts";
import { type Check, type OpsServer, type PlatformHandler, startOpsServer } from "../../src/ops/server.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { knowledge } from "../core/fixture.ts";

const caller: Caller = {
  platform: "slack",
  workspaceId: "T1",
  channelId: "C1",
  userId: "U1",
  userName: "alice",
  platformAdmin: false,
};

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function world(o: { ready?: () => Record<string, Check>; slack?: PlatformHandler } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-ops-"));
  const store: Store = await openStore({ sqlitePath: path.join(dir, "ops.db") });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const metrics = new Metrics({ defaultMetrics: false, adapters: () => ({ slack: true }) });
  const { kb, search } = knowledge();
  const noop = async () => null;
  const { dispatcher } = assemble({
    kb,
    search,
    store,
    clock: { now: () => new Date() },
    log: silentLogger(),
    poster: { post: noop, update: async () => {} },
    messenger: { dm: async () => {}, notice: async () => {} },
    admins: new Set(),
    timezone: "UTC",
    quiz: { showNames: true },
    onboarding: { stallDays: 7 },
    telemetry: metrics,
  });
  const ops: OpsServer = await startOpsServer({
    port: 0,
    host: "127.0.0.1",
    log: silentLogger(),
    metrics,
    health: async () => {
      try {
        await store.ping();
        return { store: { ok: true } };
      } catch (err) {
        return { store: { ok: false, detail: (err as Error).message } };
      }
    },
    ready: o.ready ?? (() => ({ slack: { ok: true } })),
    ...(o.slack ? { platform: { "/slack/events": o.slack } } : {}),
  });
  cleanups.push(() => ops.close());
  const get = async (p: string, method = "GET") => {
    const res = await fetch(`http://127.0.0.1:${ops.port}${p}`, { method });
    return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
  };
  return {
    dispatcher,
    ops,
    get,
    closeStore: async () => {
      closed = true;
      await store.close();
    },
  };
}

describe("/healthz", () => {
  it("is 200 while the store answers, and 503 naming the store once it does not", async () => {
    const w = await world();
    const ok = await w.get("/healthz");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ ok: true, checks: { store: { ok: true } } });

    await w.closeStore();
    const down = await w.get("/healthz");
    expect(down.status).toBe(503);
    const body = JSON.parse(down.text) as { ok: boolean; checks: { store: Check } };
    expect(body.ok).toBe(false);
    expect(body.checks.store.ok).toBe(false);
    expect(body.checks.store.detail).toBeTruthy();
  });

  it("turns 503 'shutting down' once draining starts, and platform requests get 503 instead of work", async () => {
    let handled = 0;
    const w = await world({
      slack: (_req, res) => {
        handled += 1;
        res.writeHead(200).end("handled");
      },
    });
    expect((await w.get("/slack/events", "POST")).status).toBe(200);
    await w.ops.drain();
    const health = await w.get("/healthz");
    expect(health.status).toBe(503);
    expect(health.text).toContain("shutting down");
    expect((await w.get("/readyz")).status).toBe(503);
    expect((await w.get("/slack/events", "POST")).status).toBe(503);
    expect(handled).toBe(1);
  });

  it("drain() waits for platform requests already being handled", async () => {
    let finish: () => void = () => {};
    const w = await world({
      slack: (_req, res) => {
        finish = () => res.writeHead(200).end("late");
      },
    });
    const pending = fetch(`http://127.0.0.1:${w.ops.port}/slack/events`, { method: "POST" }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    let drained = false;
    const drain = w.ops.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    finish();
    await drain;
    expect(await pending).toBe("late");
  });
});

describe("/readyz", () => {
  it("reports each adapter, 503 while one is not connected", async () => {
    let slackUp = false;
    const w = await world({
      ready: () => ({ slack: slackUp ? { ok: true } : { ok: false, detail: "not connected to Slack" } }),
    });
    const down = await w.get("/readyz");
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({
      ok: false,
      checks: { slack: { ok: false, detail: "not connected to Slack" } },
    });
    slackUp = true;
    expect((await w.get("/readyz")).status).toBe(200);
  });

  it("answers 404 with what exists for unknown paths when nothing else is mounted", async () => {
    const w = await world();
    const res = await w.get("/nope");
    expect(res.status).toBe(404);
    expect(res.text).toContain("/healthz");
  });
});

describe("keep-alive", () => {
  it("keeps an idle connection open past 5 s, as a load balancer reusing it expects, and still closes at once on stop", async () => {
    const w = await world();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const get = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port: w.ops.port, path: "/healthz", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on("error", reject);
      });
    expect(await get()).toEqual({ status: 200, reused: false });
    // Past Node's default of 5 s (which closes about a second after it): a server that closed the
    // idle connection then would race with a load balancer sending the next request on it (and the
    // balancer answers that one with 502).
    await new Promise((r) => setTimeout(r, 6_500));
    expect(await get()).toEqual({ status: 200, reused: true });
    // The idle connection does not hold up a stop.
    await w.ops.close();
  });
});

describe("/metrics", () => {
  it("counts commands by platform and kind, times searches, and counts questions without a confident answer", async () => {
    const w = await world();
    await w.dispatcher.text("volumes vs bind mounts", caller);
    await w.dispatcher.text("how do i publish a port", caller);
    await w.dispatcher.text("qzxv wibble frobnicate", caller);
    await w.dispatcher.text(`sideways ${"x".repeat(400)}`, caller); // too long: a user error
    await w.dispatcher.action("v1|nonsense", caller);
    const m = await w.get("/metrics");
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain/);
    expect(m.text).toContain('dockhand_commands_total{platform="slack",kind="docker",outcome="ok"} 3');
    expect(m.text).toContain('dockhand_commands_total{platform="slack",kind="docker",outcome="user_error"} 1');
    expect(m.text).toContain('dockhand_commands_total{platform="slack",kind="button",outcome="ok"} 1');
    expect(m.text).toContain('dockhand_search_duration_seconds_count{purpose="answer"} 3');
    expect(m.text).toContain('dockhand_unanswered_total{platform="slack"} 1');
    expect(m.text).toContain('dockhand_adapter_connected{platform="slack"} 1');
    // Nothing a user typed becomes a label.
    expect(m.text).not.toContain("wibble");
    expect(m.text).not.toContain("sideways");
  });
});
