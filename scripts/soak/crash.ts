/**
 * `npm run soak:crash`: the crash test's approach, longer. Three real `dockhand start` processes
 * (Slack over HTTP, signed requests, the Slack stand-in) on one PostgreSQL database
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, in a schema of its own):
 *  1. scheduled occurrences in many channels over several minutes, with 30 SIGKILLs of a random
 *     replica at random moments around them (each killed replica is started again);
 *  2. three bursts of 600 single clicks with a SIGKILL of a replica during each, then three with
 *     pg_terminate_backend on every connection of the replicas during each.
 * Prints what was expected against what happened. Not part of `npm test`; takes about 10 minutes.
 */
process.env.TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";
const { asForm, asPayload, buttonPress, postSigned, slashCommand } = await import("../../test/fakes/slack/payloads.ts");
const { BOT_TOKEN, SIGNING_SECRET, SlackStandIn } = await import("../../test/fakes/slack/standin.ts");
const { startDockhand } = await import("../../test/ops/dockhand-process.ts");
const { alive, answerButtons, freshSchema, questionsIn, until } = await import("../../test/ops/replicas.ts");
type Running = Awaited<ReturnType<typeof startDockhand>>;

const CHANNELS_PER_MINUTE = 12;
/** SOAK_MINUTES and SOAK_CLICKS shrink a run to try the script itself. */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 6);
const KILLS_PER_MINUTE = 5;
const CLICKS = Number(process.env.SOAK_CLICKS ?? 600);
const LEASE_SECONDS = "5";
const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);

/** A small seeded generator, so that a run can be repeated with SOAK_SEED. */
let state = seed;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (line: string) => console.log(`[${elapsed()}] ${line}`);

const cleanups: (() => Promise<void> | void)[] = [];
const { url, db } = await freshSchema(cleanups);
const standIn = await SlackStandIn.start();
cleanups.push(() => standIn.close());
const env = {
  DATABASE_URL: url,
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: standIn.apiUrl,
  DOCKHAND_LEASE_SECONDS: LEASE_SECONDS,
  DOCKHAND_TICK_SECONDS: "1",
};

/** The three slots; a killed replica's slot gets a new process. */
// Started one at a time and given 2 minutes each: on a loaded machine a start can take half a minute.
// A free port found for a process may be taken by another before it listens: such a start is tried
// again on another port (counted), rather than leaving the slot empty.
let startRetries = 0;
const start = async (): Promise<Running> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDockhand(env, cleanups, { startMs: 120_000 });
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test(String(err))) throw err;
      startRetries += 1;
    }
  }
};
const slots: (Running | undefined)[] = [];
for (let i = 0; i < 3; i++) slots.push(await start());
const restarting = new Set<Promise<void>>();
let kills = 0;

function killAndRestart(slot: number): void {
  const r = slots[slot];
  if (!r || !alive(r)) return;
  r.child.kill("SIGKILL");
  kills += 1;
  slots[slot] = undefined;
  const p: Promise<void> = r.exited
    .then(start)
    .then((next) => {
      slots[slot] = next;
    })
    .catch((err: unknown) => say(`restart of slot ${slot} failed: ${String(err)}`))
    .finally(() => restarting.delete(p));
  restarting.add(p);
}
const randomLiveSlot = () => {
  const live = [0, 1, 2].filter((i) => slots[i] && alive(slots[i] as Running));
  return live[Math.floor(random() * live.length)];
};
say(`3 replicas up (seed ${seed}, lease ${LEASE_SECONDS} s, tick 1 s)`);

// 1. Scheduled occurrences with SIGKILLs around them.
const firstMinute = Math.ceil((Date.now() + 25_000) / 60_000) * 60_000;
const channels: string[] = [];
for (let m = 0; m < MINUTES; m++) {
  const at = new Date(firstMinute + m * 60_000);
  const time = `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
  for (let c = 0; c < CHANNELS_PER_MINUTE; c++) {
    const channel = `CS${m}x${c}`;
    channels.push(channel);
    await db.query(
      `insert into quiz_schedules (platform, workspace_id, channel_id, time, timezone, days, close_after_ms, created_by, created_at)
       values ('slack', 'T1', $1, $2, 'UTC', 'daily', 3600000, 'U-soak', $3)`,
      [channel, time, Date.now()],
    );
  }
}
say(
  `${channels.length} occurrences scheduled, ${CHANNELS_PER_MINUTE} a minute from ${new Date(firstMinute).toISOString()}`,
);
const killTimes = Array.from({ length: MINUTES * KILLS_PER_MINUTE }, (_, i) => {
  const minute = firstMinute + Math.floor(i / KILLS_PER_MINUTE) * 60_000;
  return minute - 2_000 + Math.floor(random() * 12_000); // from 2 s before the occurrence to 10 s after
}).sort((a, b) => a - b);
for (const t of killTimes) {
  await sleep(Math.max(0, t - Date.now()));
  let slot = randomLiveSlot();
  // All three were killed and are still starting: the kill waits for the first one back.
  while (slot === undefined) {
    if (restarting.size === 0) throw new Error("no replica alive and none starting");
    await Promise.race(restarting);
    slot = randomLiveSlot();
  }
  killAndRestart(slot);
}
say(`${kills} SIGKILLs done; waiting for every occurrence to settle`);
await Promise.all(restarting);
const settled = async () => {
  const { rows } = await db.query(
    "select count(*)::int as n from claims where kind = 'quiz-post' and done_at is null and key like 'slack:T1:CS%'",
  );
  const stuck = await db.query("select count(*)::int as n from quiz_rounds where status = 'posting'");
  return rows[0].n === 0 && stuck.rows[0].n === 0 && channels.every((c) => questionsIn(standIn, c).length > 0);
};
await until(settled, "occurrences to settle", 120_000).catch(() => say("some occurrences did not settle in 120 s"));
const perChannel = channels.map((c) => questionsIn(standIn, c).length);
const occurrences = {
  expected: channels.length,
  posted: perChannel.filter((n) => n > 0).length,
  duplicated: perChannel.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  lost: perChannel.filter((n) => n === 0).length,
};
const occurrenceKills = kills;

// 2. Bursts of single clicks: three with a SIGKILL, three with pg_terminate_backend.
const terminate = () =>
  db.query(
    "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
  );
const ERROR_TEXT = /could not|wrong|try again|error/i;
const totals = { sent: 0, acknowledged: 0, late: 0, refused: 0, stored: 0, lost: 0 };
const bursts: string[] = [];
for (let b = 0; b < 6; b++) {
  const withKill = b < 3;
  const channel = `CB${b}`;
  await Promise.all(restarting);
  const live = slots.filter((r): r is Running => r !== undefined && alive(r));
  const events = slots.map((r) => (r ? `http://127.0.0.1:${r.port}/slack/events` : ""));
  await postSigned(
    `http://127.0.0.1:${live[0]?.port}/slack/events`,
    asForm(slashCommand({ text: "quiz now", channel, responseUrl: standIn.responseUrl() })),
  );
  const choices = await until(() => {
    const ids = answerButtons(standIn, channel);
    return ids.length > 0 ? ids : undefined;
  }, `the question in ${channel}`);
  const acked: string[] = [];
  const counts = { late: 0, refused: 0 };
  const click = async (i: number) => {
    const user = `U${b}x${i}`;
    const press = buttonPress({
      actionId: choices[i % choices.length] as string,
      user,
      userName: user,
      channel,
      responseUrl: standIn.responseUrl(),
    });
    const sent = Date.now();
    try {
      const r = await postSigned(events[i % 3] as string, asPayload(press));
      if (r.status !== 200 || ERROR_TEXT.test(r.text)) counts.refused += 1;
      else if (Date.now() - sent > 3_000)
        counts.late += 1; // Slack would have shown a failure
      else acked.push(user);
    } catch {
      counts.refused += 1; // the process was gone: nothing was promised
    }
  };
  const inFlight = new Set<Promise<void>>();
  const cut = [Math.floor(CLICKS * (0.25 + random() / 6)), Math.floor(CLICKS * (0.58 + random() / 6))];
  for (let i = 0; i < CLICKS; i++) {
    if (i === cut[0]) {
      if (withKill) {
        const slot = randomLiveSlot();
        if (slot !== undefined) killAndRestart(slot);
      } else await terminate();
    }
    if (!withKill && i === cut[1]) await terminate();
    const p = click(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 40) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const { rows } = await db.query(
    "select a.user_id from quiz_answers a join quiz_rounds r on r.id = a.round_id where r.channel_id = $1",
    [channel],
  );
  const stored = new Set(rows.map((r) => r.user_id as string));
  const lost = acked.filter((u) => !stored.has(u)).length;
  const up = slots.filter((r) => r && alive(r)).length + restarting.size;
  totals.sent += CLICKS;
  totals.acknowledged += acked.length;
  totals.late += counts.late;
  totals.refused += counts.refused;
  totals.stored += stored.size;
  totals.lost += lost;
  const line = `burst ${b + 1} (${withKill ? "SIGKILL" : "pg_terminate_backend x2"}): ${CLICKS} sent, ${acked.length} acknowledged, ${counts.late} late, ${counts.refused} refused, ${stored.size} stored, ${lost} lost; replicas up or restarting: ${up}/3`;
  bursts.push(line);
  say(line);
}
await Promise.all(restarting);
const exitedOnTheirOwn = slots.filter((r) => r && !alive(r)).length;

console.log("");
console.log(`soak: 3 replicas, PostgreSQL, Slack stand-in; seed ${seed}; lease ${LEASE_SECONDS} s; ${elapsed()}`);
console.log(
  `occurrences: ${occurrences.expected} expected, ${occurrences.posted} posted, ${occurrences.duplicated} duplicated, ${occurrences.lost} lost (${occurrenceKills} SIGKILLs around them)`,
);
for (const line of bursts) console.log(line);
console.log(
  `clicks: ${totals.sent} sent, ${totals.acknowledged} acknowledged (HTTP 200 without error text within 3 s), ${totals.stored} stored, ${totals.lost} lost; ${totals.late} late, ${totals.refused} refused or unanswered`,
);
console.log(
  `SIGKILLs in all: ${kills}; replicas that exited on their own: ${exitedOnTheirOwn}; starts retried on a taken port: ${startRetries}`,
);

for (const c of cleanups.reverse()) await c();
process.exit(occurrences.duplicated + occurrences.lost + totals.lost === 0 ? 0 : 1);
