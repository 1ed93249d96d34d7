import { describe, expect, it } from "vitest";
import { questionReply } from "../../../src/core/quiz/render.ts";
import { knowledge } from "../fixture.ts";

describe("the closing time on a quiz question", () => {
  const { kb } = knowledge();
  const entry = kb.entries.find((e) => e.quiz.length > 0);
  if (!entry) throw new Error("no entry with a quiz");
  const at = (iso: string, timezone?: string) =>
    questionReply({ id: 1, entry, index: 0, closesAt: new Date(iso), ...(timezone ? { timezone } : {}) }, 0).context;

  it("is shown in UTC when the team set no time zone", () => {
    expect(at("2026-01-05T13:00:00Z")).toContain("closes at 13:00 UTC");
  });

  it("is shown in the team's time zone, summer time included", () => {
    expect(at("2026-01-05T13:00:00Z", "Europe/Berlin")).toContain("closes at 14:00 Europe/Berlin");
    expect(at("2026-07-05T13:00:00Z", "Europe/Berlin")).toContain("closes at 15:00 Europe/Berlin");
    expect(at("2026-07-05T13:00:00Z", "America/New_York")).toContain("closes at 09:00 America/New_York");
  });
});
