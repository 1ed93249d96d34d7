import { afterAll, describe, expect, it } from "vitest";
import { assemble } from "../../src/assemble.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { cleanText } from "../../src/core/sanitize.ts";
import { openStore } from "../../src/store/index.ts";
import { postgresTarget, sqliteTarget, type Target } from "../store/targets.ts";
import { knowledge } from "./fixture.ts";

/**
 * Text from a platform may carry NUL (PostgreSQL refuses it in text), terminal escape sequences,
 * C1 codes and bidi overrides. They are removed where text enters the core, for every platform
 * and on both stores, so such a question is answered like any other.
 */
describe("cleanText", () => {
  it("removes control characters, bidi overrides and the user-text marks; keeps newlines, tabs and letters", () => {
    expect(cleanText("a\u0000b\u001b[31mc\u009bd\u202Ee\u2066f\uFEFFg\uE000h\uE001")).toBe("ab[31mcdefgh");
    expect(cleanText("line one\r\nline two\rthree\tfour")).toBe("line one\nline two\nthree\tfour");
    expect(cleanText("Grüße, 東京, 👍🏽")).toBe("Grüße, 東京, 👍🏽");
    expect(cleanText("lone \uD800 surrogate")).toBe("lone \uFFFD surrogate");
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;
const targets: Target[] = [sqliteTarget(), ...(pgUrl ? [postgresTarget(pgUrl)] : [])];
if (!pgUrl) console.warn("control characters on PostgreSQL skipped: set TEST_DATABASE_URL");
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

describe.each(targets)("a question with control characters ($dialect)", (target) => {
  it("is answered and recorded, not 'Something went wrong'", async () => {
    const store = await openStore(await target.fresh());
    try {
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
      });
      const caller = {
        platform: "slack" as const,
        workspaceId: "T1",
        channelId: "C1",
        userId: "U1",
        userName: "eve\u0000\u202E",
        platformAdmin: true,
      };
      const answered = await dispatcher.text("volumes vs bind\u0000 mounts\u001b[2J", caller);
      expect(answered.fallback).not.toContain("Something went wrong");
      expect(answered.header).toMatch(/volume/i);
      const typed = await dispatcher.command("docker", { question: "qzxv\u0000 frobnicate\u0007 wibble" }, caller);
      expect(typed.fallback).not.toContain("Something went wrong");
      // Recorded without the NUL, so the gaps report shows it.
      const gaps = await dispatcher.text("gaps", caller);
      expect(gaps.fallback).toContain("qzxv frobnicate wibble");
      // The store itself takes a NUL too (PostgreSQL through its plugin), for any path that was missed.
      const id = await store.recordQuery({
        platform: "slack",
        workspaceId: "T1",
        channelId: "C1",
        userId: "U2",
        query: "raw\u0000nul",
        normalized: "raw nul",
        outcome: "none",
        confident: false,
        entryId: null,
        at: new Date(),
      });
      expect(id).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
