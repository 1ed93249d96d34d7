import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Action,
  actionSchema,
  EXPIRED,
  encodeAction,
  MAX_ACTION_LENGTH,
  parseAction,
} from "../../src/core/actions.ts";
import { caller, countRows, type Fixture, knowledge, makeFixture, memoryLogger } from "./fixture.ts";

const entryIdArb = fc.stringMatching(/^[a-z0-9]{1,12}(?:-[a-z0-9]{1,12}){0,4}$/);
const pageArb = fc.integer({ min: 0, max: 999 });
const tagArb = fc.oneof(fc.constant("-"), fc.stringMatching(/^[a-z0-9-]{1,40}$/));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  entryIdArb.map((entry) => ({ kind: "entry" as const, entry })),
  entryIdArb.map((entry) => ({ kind: "more" as const, entry })),
  fc.record({ kind: fc.constant("page" as const), entry: entryIdArb, page: pageArb }),
  fc.record({
    kind: fc.constant("vote" as const),
    query: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    vote: fc.constantFrom("up" as const, "down" as const),
  }),
  entryIdArb.map((entry) => ({ kind: "share" as const, entry })),
  fc.record({ kind: fc.constant("topics" as const), tag: tagArb, page: pageArb }),
  fc.record({
    kind: fc.constant("answer" as const),
    round: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    choice: fc.integer({ min: 0, max: 3 }),
  }),
  entryIdArb.map((track) => ({ kind: "obstart" as const, track })),
  fc.record({ kind: fc.constant("obnext" as const), track: entryIdArb, step: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ kind: fc.constant("obquiz" as const), track: entryIdArb, step: fc.integer({ min: 0, max: 99 }) }),
  fc.record({
    kind: fc.constant("obans" as const),
    track: entryIdArb,
    step: fc.integer({ min: 0, max: 99 }),
    q: fc.integer({ min: 0, max: 20 }),
    choice: fc.integer({ min: 0, max: 3 }),
  }),
  entryIdArb.map((track) => ({ kind: "obpause" as const, track })),
  fc.constant({ kind: "rvnext" as const }),
  fc.record({
    kind: fc.constant("rvans" as const),
    entry: entryIdArb,
    q: fc.integer({ min: 0, max: 20 }),
    rep: fc.integer({ min: 0, max: 99_999 }),
    choice: fc.stringMatching(/^[0-9a-z]{1,7}$/),
  }),
  fc.record({
    kind: fc.constant("rveasy" as const),
    entry: entryIdArb,
    q: fc.integer({ min: 0, max: 20 }),
    rep: fc.integer({ min: 0, max: 99_999 }),
  }),
  entryIdArb.map((entry) => ({ kind: "rvadd" as const, entry })),
  fc.constant({ kind: "rvreset" as const }),
);

describe("encodeAction / parseAction", () => {
  it("covers every kind of action in these tests", () => {
    const kinds = actionSchema.options.map((o) => o.shape.kind.value).sort();
    const generated = new Set(fc.sample(actionArb, { numRuns: 2000, seed: 1 }).map((a) => a.kind));
    expect([...generated].sort()).toEqual(kinds);
  });

  it("round-trips every kind", () => {
    fc.assert(
      fc.property(actionArb, (action) => {
        const id = encodeAction(action);
        expect(id.startsWith("v1|")).toBe(true);
        expect(id.length).toBeLessThanOrEqual(MAX_ACTION_LENGTH);
        expect(parseAction(id)).toEqual(action);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps every id for every entry in the pack within 100 characters", () => {
    const { kb } = knowledge();
    const longest = [...kb.byId.keys()].reduce((a, b) => (b.length > a.length ? b : a));
    const tags = [...new Set(kb.entries.flatMap((e) => e.tags))];
    const ids = [
      ...[...kb.byId.keys()].flatMap((entry) => [
        encodeAction({ kind: "entry", entry }),
        encodeAction({ kind: "more", entry }),
        encodeAction({ kind: "page", entry, page: 999 }),
        encodeAction({ kind: "share", entry }),
        encodeAction({ kind: "rvans", entry, q: 20, rep: 99_999, choice: "zzzzzzz" }),
        encodeAction({ kind: "rveasy", entry, q: 20, rep: 99_999 }),
        encodeAction({ kind: "rvadd", entry }),
      ]),
      ...tags.map((tag) => encodeAction({ kind: "topics", tag, page: 999 })),
      encodeAction({ kind: "vote", query: Number.MAX_SAFE_INTEGER, vote: "down" }),
    ];
    expect(ids.some((id) => id.includes(longest))).toBe(true);
    for (const id of ids) {
      expect(id.length, id).toBeLessThanOrEqual(MAX_ACTION_LENGTH);
      expect(parseAction(id), id).toBeDefined();
    }
  });

  it("refuses to encode an id over 100 characters", () => {
    expect(() => encodeAction({ kind: "entry", entry: "a".repeat(92) })).toThrow(/100/);
    expect(encodeAction({ kind: "entry", entry: "a".repeat(91) })).toHaveLength(100);
  });

  it.each([
    ["wrong version", "v0|entry|volumes"],
    ["upper-case version", "V1|entry|volumes"],
    ["no version", "entry|volumes"],
    ["empty", ""],
    ["version only", "v1"],
    ["empty kind", "v1||volumes"],
    ["unknown kind", "v1|delete|volumes"],
    ["kind in the wrong case", "v1|ENTRY|volumes"],
    ["inherited name as kind", "v1|__proto__"],
    ["missing field", "v1|entry"],
    ["missing page", "v1|page|volumes"],
    ["missing vote", "v1|vote|12"],
    ["extra field", "v1|entry|volumes|extra"],
    ["extra field on vote", "v1|vote|12|up|again"],
    ["non-numeric page", "v1|page|volumes|two"],
    ["NaN page", "v1|page|volumes|NaN"],
    ["negative page", "v1|page|volumes|-1"],
    ["page over 999", "v1|page|volumes|1000"],
    ["huge page", "v1|page|volumes|99999999999999999999"],
    ["infinite page", "v1|topics|-|Infinity"],
    ["fractional page", "v1|page|volumes|1.5"],
    ["zero query", "v1|vote|0|up"],
    ["negative query", "v1|vote|-3|up"],
    ["unsafe query", "v1|vote|9007199254740993|up"],
    ["unknown vote", "v1|vote|12|sideways"],
    ["upper-case entry id", "v1|entry|Volumes"],
    ["underscore in entry id", "v1|more|bind_mounts"],
    ["leading hyphen", "v1|share|-volumes"],
    ["trailing hyphen", "v1|entry|volumes-"],
    ["double hyphen", "v1|entry|bind--mounts"],
    ["empty entry id", "v1|entry|"],
    ["path in entry id", "v1|entry|../volumes"],
    ["space in entry id", "v1|entry|bind mounts"],
    ["bad tag", "v1|topics|Storage!|0"],
    ["101 characters", `v1|entry|${"a".repeat(92)}`],
  ])("rejects %s: %j", (_why, id) => {
    expect(parseAction(id)).toBeUndefined();
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["number", 42],
    ["object", { kind: "entry", entry: "volumes" }],
    ["array", ["v1", "entry", "volumes"]],
    ["boxed string", Object("v1|entry|volumes")],
  ])("rejects a non-string id (%s)", (_why, id) => {
    expect(parseAction(id)).toBeUndefined();
  });

  it("reads the longest ids the schema allows, which stay under 100 characters", () => {
    const ok = `v1|obans|${"a".repeat(64)}|99|20|3`;
    expect(ok.length).toBeLessThanOrEqual(MAX_ACTION_LENGTH);
    expect(parseAction(ok)).toEqual({ kind: "obans", track: "a".repeat(64), step: 99, q: 20, choice: 3 });
  });

  it("refuses ids naming an entry longer than 64 characters", () => {
    expect(parseAction(`v1|entry|${"a".repeat(65)}`)).toBeUndefined();
  });

  // BUG (src/core/actions.ts, parseAction): `kind in FIELDS` is true for names inherited from
  // Object.prototype, so FIELDS[kind] is a function and `fields.map` throws a TypeError instead of
  // returning undefined. Through Dispatcher.action a forged id such as "v1|constructor|x" gets the
  // generic "Something went wrong (ref …)" answer and an error log, not the expired notice.
  it.each(["v1|constructor|x", "v1|toString", "v1|hasOwnProperty|x", "v1|valueOf"])(
    "never throws on a kind named like an Object.prototype member: %j",
    (id) => {
      expect(() => parseAction(id)).not.toThrow();
    },
  );

  // BUG (src/core/actions.ts): numbers are read with z.coerce.number(), which takes an empty
  // field as 0 and accepts " 5", "0x10", "1e2", "5.0" and "+5", so garbled ids are accepted and
  // parseAction(id) does not re-encode to id. Expected: only canonical decimals ("0", "5", "16").
  it.each([
    "v1|page|volumes|",
    "v1|page|volumes| 5",
    "v1|page|volumes|0x10",
    "v1|page|volumes|5.0",
    "v1|topics|-|+5",
    "v1|vote|1e2|up",
    "v1|vote|012|up",
  ])("rejects a number that is not a canonical decimal: %j", (id) => {
    expect(parseAction(id)).toBeUndefined();
  });

  it("never throws on ids assembled from plausible pieces; what it accepts re-encodes within the cap", () => {
    const piece = fc.oneof(
      fc.constantFrom("v1", "v0", "entry", "more", "page", "vote", "share", "topics", "up", "down", "-", ""),
      fc.stringMatching(/^[a-z0-9-]{0,12}$/),
      fc.integer({ min: -5, max: 2000 }).map(String),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 0, maxLength: 6 }), (pieces) => {
        const id = pieces.join("|");
        const action = parseAction(id);
        if (action) expect(encodeAction(action).length).toBeLessThanOrEqual(MAX_ACTION_LENGTH);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("Dispatcher.action with ids that point nowhere", () => {
  let f: Fixture;
  const logs = memoryLogger();
  beforeAll(async () => {
    f = await makeFixture({ log: logs.log });
    // some history, so that "nothing written" is measured against non-empty tables
    const answer = await f.dispatcher.text("how do I publish a port", caller());
    const vote = answer.buttons?.find((b) => b.label === "👍");
    if (!vote) throw new Error("no vote button");
    await f.dispatcher.action(vote.action, caller());
  });
  afterAll(() => f.close());

  let before: Awaited<ReturnType<typeof countRows>>;
  beforeEach(async () => {
    before = await countRows(f.store);
  });

  it.each([
    ["garbled", "v1|entry|Not An Id"],
    ["old version", "v0|entry|volumes"],
    ["not a string", 1234],
    ["missing", undefined],
    ["unknown entry", "v1|entry|no-such-entry"],
    ["Show more of an unknown entry", "v1|more|no-such-entry"],
    ["page of an unknown entry", "v1|page|no-such-entry|1"],
    ["share of an unknown entry", "v1|share|no-such-entry"],
    ["vote on an unknown query", "v1|vote|987654|up"],
    ["down-vote on an unknown query", "v1|vote|987655|down"],
  ])("%s → the expired notice, only for the presser, nothing stored", async (_why, id) => {
    const r = await f.dispatcher.action(id, caller());
    expect(r.visibility).toBe("ephemeral");
    expect(r.text).toBe(EXPIRED);
    expect(r.buttons ?? []).toEqual([]);
    expect(await countRows(f.store)).toEqual(before);
    expect(before.queries).toBeGreaterThan(0);
    expect(before.feedback).toBeGreaterThan(0);
  });

  it("stores nothing and logs no error for any forged id", async () => {
    const errorsBefore = logs.lines().filter((l) => l.level === 50).length;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: "binary" })), async (id) => {
        const r = await f.dispatcher.action(id, caller());
        expect(r.text).toBe(EXPIRED);
      }),
      { numRuns: 200 },
    );
    expect(await countRows(f.store)).toEqual(before);
    expect(logs.lines().filter((l) => l.level === 50).length).toBe(errorsBefore);
  });

  // BUG (src/core/actions.ts, parseAction; see above): the forged id reaches the central handler
  // as an unexpected error. Expected: the expired notice. Actual: "Something went wrong (ref …)".
  it("answers a forged id naming an Object.prototype member with the expired notice", async () => {
    const r = await f.dispatcher.action("v1|constructor|x", caller());
    expect(r.text).toBe(EXPIRED);
  });
});
