/**
 * `npm run bench:slack`: Dockhand's Slack app in HTTP mode beside a bare Bolt app that acks and
 * answers a fixed text on response_url, under the same signed `/docker` slash commands. Each app,
 * the local Slack Web API / response_url sink and the open-loop load generator run in processes
 * of their own on 127.0.0.1, so none shares another's event loop.
 *  - Closed loop (throughput): autocannon with 50 connections, each sending again once answered.
 *  - Open loop (latency): requests at evenly spaced instants at 100, 300 and 600 requests/s for
 *    20 s each (slack-open.ts), as Slack sends them: acknowledgement p50/p99 and the time until
 *    the answer reaches response_url, both from the instant each request was due.
 * Options: `--quick` (5 s phases), `--rates 100,300,600`, `--profile DIR`.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type OpenRow, openPhase, printOpenLoop, signedCommand } from "./slack-open.ts";

const SECRET = "bench-signing-secret-not-real";
const BOT_TOKEN = "xoxb-test-bench";

interface CannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  "2xx": number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  method: "POST";
  headers: Record<string, string>;
  body: string;
}) => Promise<CannonResult>;

export interface SlackBenchOptions {
  durationS?: number;
  /** Seconds per open-loop rate (default 20). */
  openS?: number;
  connections?: number;
  /** The fixed request rates of the later phases (requests/s over all connections). */
  rates?: number[];
  out?: (line: string) => void;
}

interface Row {
  app: string;
  load: string;
  r: CannonResult;
  answers?: number;
}

/**
 * Runs both apps one after the other under the same load and prints latency and throughput:
 * first as fast as 50 connections go (closed loop: latency then follows throughput), then at a
 * at fixed rates both can sustain (latency of the ack path itself, beside the answers' work).
 * Options: `--rates 100,300,600`, `--profile DIR`.
 */
export async function runSlackBench(opts: SlackBenchOptions = {}): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const quick = process.argv.includes("--quick");
  const duration = opts.durationS ?? (quick ? 3 : 5);
  const openS = opts.openS ?? (quick ? 5 : 20);
  const connections = opts.connections ?? 50;
  const rates = opts.rates ?? ratesFromArgs() ?? [100, 300, 600];
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const sink = await startSink();
  const rows: Row[] = [];
  const open: OpenRow[] = [];
  try {
    for (const kind of ["bare", "dockhand"] as const) {
      const app = kind === "bare" ? "bare Bolt app (fixed text)" : "Dockhand";
      const child = await startChild(kind, sink.apiUrl);
      try {
        const base = { url: `http://127.0.0.1:${child.port}/slack/events`, connections, method: "POST" as const };
        const request = signedCommand({
          secret: SECRET,
          responseUrl: `${sink.origin}/response/bench`,
          userId: "U1",
          triggerId: "1.1.bench",
        });
        // Each phase waits for Dockhand's answers to the previous one, so none overlaps the next.
        const phase = async (load: string, extra: { duration: number; overallRate?: number }) => {
          const before = await sink.count();
          const r = await autocannon({ ...base, ...request, ...extra });
          // Answers can exceed the acks counted by up to the requests in flight when the phase ended.
          const answers = await sink.answered(before + r["2xx"]);
          return { app, load, r, ...(answers === undefined ? {} : { answers: answers - before }) };
        };
        await phase("warm-up", { duration: 1 });
        rows.push(await phase(`${connections} connections, max rate`, { duration }));
        for (const rate of rates)
          open.push(await openPhase({ app, url: base.url, sink, rate, durationS: openS, secret: SECRET }));
      } finally {
        await child.stop();
      }
    }
  } finally {
    await sink.close();
  }

  const cpus = `Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`;
  out(`Slack HTTP mode, signed /docker slash commands (${cpus})`);
  out(`Closed loop (throughput), ${duration} s per row:`);
  out(
    `${"app".padEnd(28)}${"load".padEnd(28)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"req/s".padStart(8)}  failed  answers/acks`,
  );
  for (const { app, load, r, answers } of rows) {
    const failed = r.non2xx + r.errors + r.timeouts;
    out(
      `${app.padEnd(28)}${load.padEnd(28)}${r.latency.p50.toFixed(1).padStart(8)}${r.latency.p99.toFixed(1).padStart(8)}${r.requests.average.toFixed(0).padStart(8)}${String(failed).padStart(8)}  ${answers === undefined ? "-" : `${answers}/${r["2xx"]}`}`,
    );
  }
  printOpenLoop(open, rates, openS, out);
  return 0;
}

/** `--profile DIR`: each child process writes a CPU profile there (for finding where time goes). */
function profileArgs(): string[] {
  const i = process.argv.indexOf("--profile");
  const dir = i >= 0 ? process.argv[i + 1] : undefined;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/** `--rates 100,300` on the command line. */
function ratesFromArgs(): number[] | undefined {
  const i = process.argv.indexOf("--rates");
  const list = i >= 0 ? (process.argv[i + 1] ?? "").split(",").map(Number) : [];
  return list.length > 0 && list.every((n) => Number.isFinite(n) && n > 0) ? list : undefined;
}

/**
 * A local Slack Web API (auth.test, users.info) and response_url endpoint that counts answers. It
 * runs in a process of its own: in the load generator's process, answering Dockhand's responses
 * would slow the very clock that times Dockhand's acks.
 */
async function startSink() {
  const child = await startChild("sink", "");
  const origin = `http://127.0.0.1:${child.port}`;
  const count = async () => Number(await (await fetch(`${origin}/count`)).text());
  return {
    origin,
    apiUrl: `${origin}/api/`,
    count,
    /** When each response_url of a phase (`${phase}-${i}`) got its first answer (epoch ms). */
    arrivals: async (phase: string) =>
      (await (await fetch(`${origin}/arrivals?phase=${encodeURIComponent(phase)}`)).json()) as Record<string, number>,
    /** Waits for `n` answers, then until none came for 500 ms (or none for 3 s, or 60 s in all); returns the count. */
    async answered(n: number) {
      const started = Date.now();
      let seen = await count();
      let quietSince = Date.now();
      while (Date.now() - started < 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await count();
        if (now !== seen) {
          seen = now;
          quietSince = Date.now();
        }
        const quiet = Date.now() - quietSince;
        if ((now >= n && quiet >= 500) || quiet >= 3000) break;
      }
      return seen;
    },
    close: child.stop,
  };
}

/** The sink's server: counts POSTs to /response/…, answers the two Web API methods Bolt calls. */
async function serveSink(): Promise<{ port: number; stop: () => Promise<void> }> {
  let responses = 0;
  const arrivals = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/count") {
        res.writeHead(200).end(String(responses));
        return;
      }
      if (req.url?.startsWith("/arrivals?")) {
        const phase = new URL(req.url, "http://x").searchParams.get("phase") ?? "";
        const mine = [...arrivals].filter(([id]) => id.startsWith(`${phase}-`));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Object.fromEntries(mine)));
        return;
      }
      if (req.url?.startsWith("/response/")) {
        const id = req.url.slice("/response/".length);
        if (!arrivals.has(id)) arrivals.set(id, performance.timeOrigin + performance.now());
        responses += 1;
        res.writeHead(200).end("ok");
        return;
      }
      const method = req.url?.replace(/^\/api\//, "").split("?")[0];
      const body =
        method === "users.info"
          ? { ok: true, user: { id: "U1", name: "alice", is_admin: false, is_owner: false, is_bot: false } }
          : { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "dockhand", team: "Bench" };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts this file as `serve <kind>` in a child process; resolves with the port it listens on. */
async function startChild(kind: "bare" | "dockhand" | "sink", apiUrl: string) {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...profileArgs(), "--import", import.meta.resolve("tsx"), self, "serve", kind, apiUrl],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (c: Buffer) => {
      buf += c.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`bench app "${kind}" exited with ${code} before listening`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The child: one app on 127.0.0.1, port 0; prints `PORT n`, stops on SIGTERM. */
async function serve(kind: string, apiUrl: string): Promise<void> {
  const { silentLogger } = await import("../../src/core/logger.ts");
  let stop: () => Promise<void>;
  let port: number;
  if (kind === "sink") {
    ({ port, stop } = await serveSink());
  } else if (kind === "bare") {
    const { App, HTTPReceiver, LogLevel } = await import("@slack/bolt");
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
    const app = new App({
      token: BOT_TOKEN,
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: apiUrl },
    });
    app.command("/docker", async ({ ack, respond }) => {
      await ack();
      await respond({ response_type: "ephemeral", text: "A fixed answer." });
    });
    const server = await app.start({ port: 0, host: "127.0.0.1" });
    port = (server.address() as AddressInfo).port;
    stop = async () => {
      await app.stop();
    };
  } else {
    const dockhand = await startDockhand(apiUrl, silentLogger());
    port = dockhand.port;
    stop = dockhand.stop;
  }
  process.stdout.write(`PORT ${port}\n`);
  process.once("SIGTERM", () => {
    void stop().finally(() => process.exit(0));
  });
}

/** Dockhand as src/main.ts composes it (assemble()), on a fresh SQLite file, with the Slack adapter in HTTP mode. */
async function startDockhand(apiUrl: string, log: import("../../src/core/logger.ts").Logger) {
  const { startSlack } = await import("../../src/adapters/slack/lifecycle.ts");
  const { assemble } = await import("../../src/assemble.ts");
  const { systemClock } = await import("../../src/core/clock.ts");
  const { loadKnowledge } = await import("../../src/core/knowledge/loader.ts");
  const { SearchIndex } = await import("../../src/core/knowledge/search.ts");
  const { builtInPacks } = await import("../../src/paths.ts");
  const { openStore } = await import("../../src/store/index.ts");
  type Adapter = Awaited<ReturnType<typeof startSlack>>;

  const { kb } = loadKnowledge(builtInPacks);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockhand-bench-slack-"));
  const store = await openStore({ sqlitePath: path.join(dir, "bench.db") });
  const clock = systemClock;
  let adapter: Adapter | undefined;
  const late = () => {
    if (!adapter) throw new Error("the Slack adapter is not started yet");
    return adapter;
  };
  const { dispatcher } = assemble({
    kb,
    search: new SearchIndex(kb),
    store,
    clock,
    log,
    poster: {
      post: (...a) => late().poster.post(...a),
      update: (...a) => late().poster.update(...a),
    },
    messenger: {
      dm: (...a) => late().messenger.dm(...a),
      notice: (...a) => late().messenger.notice(...a),
    },
    admins: new Set<string>(),
    timezone: "UTC",
    quiz: { showNames: true },
    onboarding: { stallDays: 7 },
  });
  adapter = await startSlack({
    dispatcher,
    events: store,
    log,
    clock,
    mode: { kind: "http", botToken: BOT_TOKEN, signingSecret: SECRET, port: 0 },
    host: "127.0.0.1",
    apiUrl,
    graceMs: 60_000,
  });
  const started = adapter;
  return {
    port: started.port ?? 0,
    async stop() {
      await started.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "serve") await serve(process.argv[3] ?? "", process.argv[4] ?? "");
  else process.exitCode = await runSlackBench();
}
