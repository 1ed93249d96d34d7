/**
 * The open-loop part of `npm run bench:slack`: a load generator in a process of its own that sends
 * signed `/docker` slash commands at evenly spaced instants (request i at start + i / rate), whether
 * or not earlier ones were answered, as Slack does. Each request has its own response_url on the
 * sink, which notes when the answer arrives. Latencies count from the instant a request was due,
 * so a generator or server that falls behind shows up in them instead of hiding (no coordinated
 * omission).
 */
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface OpenLoopPlan {
  url: string;
  /** The sink's origin; answers go to `${responseBase}/response/${phase}-${i}`. */
  responseBase: string;
  phase: string;
  rate: number;
  durationS: number;
  secret: string;
}

export interface OpenLoopResult {
  /** When each request was due (epoch ms, fractional). */
  due: number[];
  /** Acknowledgement latency (ms from due) of each request answered 200; NaN for failures. */
  ack: number[];
  failed: number;
  /** Why requests failed, e.g. { "503": 1, "ECONNRESET": 2 }. */
  reasons: Record<string, number>;
  /** How late the generator itself sent requests (ms), p99: above a few ms the figures mean little. */
  sendLagP99: number;
}

export function percentile(values: number[], p: number): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] as number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * A signed `/docker volumes vs bind mounts` slash command as Slack sends it (the signature stays
 * valid for 5 minutes); used by the open loop here and the closed loop in slack.ts.
 */
export function signedCommand(o: { secret: string; responseUrl: string; userId: string; triggerId: string }): {
  body: string;
  headers: Record<string, string>;
} {
  const body = new URLSearchParams({
    token: "legacy",
    team_id: "T1",
    team_domain: "bench",
    channel_id: "C1",
    channel_name: "general",
    user_id: o.userId,
    user_name: "alice",
    command: "/docker",
    text: "volumes vs bind mounts",
    api_app_id: "A1",
    is_enterprise_install: "false",
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac("sha256", o.secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return {
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": sig,
    },
  };
}

function signedBody(plan: OpenLoopPlan, i: number): { body: string; headers: Record<string, string> } {
  const r = signedCommand({
    secret: plan.secret,
    responseUrl: `${plan.responseBase}/response/${plan.phase}-${i}`,
    userId: `U${i % 50}`,
    triggerId: `1.${i}.bench`,
  });
  return { body: r.body, headers: { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) } };
}

/** The generator (runs in the child): sends the plan's requests on time and collects the acks. */
async function generate(plan: OpenLoopPlan): Promise<OpenLoopResult> {
  const total = Math.round(plan.rate * plan.durationS);
  const requests = Array.from({ length: total }, (_, i) => signedBody(plan, i));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const target = new URL(plan.url);
  const interval = 1000 / plan.rate;
  const start = performance.now() + 100;
  const due = Array.from({ length: total }, (_, i) => performance.timeOrigin + start + i * interval);
  const ack = new Array<number>(total).fill(Number.NaN);
  const lag: number[] = [];
  let failed = 0;
  const reasons: Record<string, number> = {};
  const fail = (why: string) => {
    failed += 1;
    reasons[why] = (reasons[why] ?? 0) + 1;
  };
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const settle = () => {
    done += 1;
    if (done === total) finish();
  };
  const fire = (i: number) => {
    const r = requests[i] as { body: string; headers: Record<string, string> };
    lag.push(epochNow() - (due[i] as number));
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: r.headers, agent },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) ack[i] = epochNow() - (due[i] as number);
          else fail(String(res.statusCode));
          settle();
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      fail(err.code ?? err.message);
      settle();
    });
    req.end(r.body);
  };
  let next = 0;
  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * interval <= now) fire(next++);
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  if (total > 0) await finished;
  agent.destroy();
  return { due, ack, failed, reasons, sendLagP99: percentile(lag, 99) };
}

/** What the bench's response_url sink offers (see slack.ts). */
export interface Sink {
  origin: string;
  count(): Promise<number>;
  answered(n: number): Promise<number>;
  arrivals(phase: string): Promise<Record<string, number>>;
}

export interface OpenRow {
  app: string;
  rate: number;
  sent: number;
  ackP50: number;
  ackP99: number;
  answerP50: number;
  answerP99: number;
  answered: number;
  failed: number;
  reasons: Record<string, number>;
  sendLagP99: number;
}

/** One open-loop phase against an app, and the answers that reached the sink for it. */
export async function openPhase(o: {
  app: string;
  url: string;
  sink: Sink;
  rate: number;
  durationS: number;
  secret: string;
}): Promise<OpenRow> {
  const phase = `${o.app.split(" ")[0]}-${o.rate}`;
  const before = await o.sink.count();
  const r: OpenLoopResult = await runOpenLoop({
    url: o.url,
    responseBase: o.sink.origin,
    phase,
    rate: o.rate,
    durationS: o.durationS,
    secret: o.secret,
  });
  const acked = r.ack.filter((x) => Number.isFinite(x)).length;
  await o.sink.answered(before + acked);
  const arrivals = await o.sink.arrivals(phase);
  const answer = r.due.map((due, i) => {
    const at = arrivals[`${phase}-${i}`];
    return at === undefined ? Number.NaN : at - due;
  });
  return {
    app: o.app,
    rate: o.rate,
    sent: r.due.length,
    ackP50: percentile(r.ack, 50),
    ackP99: percentile(r.ack, 99),
    answerP50: percentile(answer, 50),
    answerP99: percentile(answer, 99),
    answered: answer.filter((x) => Number.isFinite(x)).length,
    failed: r.failed,
    reasons: r.reasons,
    sendLagP99: r.sendLagP99,
  };
}

/** Prints the open-loop rows and, per rate, Dockhand beside its targets. */
export function printOpenLoop(open: OpenRow[], rates: number[], openS: number, out: (line: string) => void): void {
  out(`Open loop (evenly spaced requests, latency from each request's due time), ${openS} s per rate:`);
  out(
    `${"app".padEnd(28)}${"req/s".padStart(6)}${"sent".padStart(7)}${"ack p50".padStart(9)}${"ack p99".padStart(9)}${"answer p50".padStart(12)}${"answer p99".padStart(12)}${"answered".padStart(10)}${"failed".padStart(8)}${"gen lag p99".padStart(13)}`,
  );
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
  for (const o of open) {
    out(
      `${o.app.padEnd(28)}${String(o.rate).padStart(6)}${String(o.sent).padStart(7)}${ms(o.ackP50).padStart(9)}${ms(o.ackP99).padStart(9)}${ms(o.answerP50).padStart(12)}${ms(o.answerP99).padStart(12)}${String(o.answered).padStart(10)}${String(o.failed).padStart(8)}${ms(o.sendLagP99).padStart(13)}`,
    );
  }
  for (const o of open.filter((x) => x.failed > 0)) {
    const why = Object.entries(o.reasons).map(([reason, n]) => `${reason} ×${n}`);
    out(`${o.app} at ${o.rate} req/s failed: ${why.join(", ")}`);
  }
  for (const rate of rates) {
    const bare = open.find((o) => o.rate === rate && o.app !== "Dockhand");
    const dh = open.find((o) => o.rate === rate && o.app === "Dockhand");
    if (!bare || !dh) continue;
    const bound = 2 * bare.ackP99 + 5;
    const met = dh.ackP99 <= bound && dh.answerP99 <= 250 && dh.failed === 0 && dh.answered === dh.sent;
    out(
      `${rate} req/s: Dockhand ack p99 ${ms(dh.ackP99)} ms vs bound 2 × bare ${ms(bare.ackP99)} + 5 = ${ms(bound)} ms; answers p99 ${ms(dh.answerP99)} ms (≤ 250); failed ${dh.failed}, unanswered ${dh.sent - dh.answered}: ${met ? "met" : "not met"}`,
    );
  }
}

/** Runs one open-loop phase in a child process and returns what it measured. */
export function runOpenLoop(plan: OpenLoopPlan): Promise<OpenLoopResult> {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), fileURLToPath(import.meta.url), "generate", JSON.stringify(plan)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out) as OpenLoopResult);
      } catch (err) {
        reject(err);
      }
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "generate") {
  const result = await generate(JSON.parse(process.argv[3] ?? "{}") as OpenLoopPlan);
  // JSON has no NaN: failures travel as null and come back as NaN-free gaps.
  process.stdout.write(JSON.stringify({ ...result, ack: result.ack.map((x) => (Number.isFinite(x) ? x : null)) }));
}
