import { z } from "zod";
import type { Section } from "./sections.ts";

/** An entry id: lower-case words joined by hyphens, the same as the file stem. */
export const entryId = z
  .string()
  .max(64, "must be at most 64 characters, so that it fits in a button's id")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case words joined by hyphens, e.g. docker-run");

const oneLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\n"), "must be a single line");

export const SUMMARY_MAX = 600;

export const commandSchema = z.strictObject({
  cmd: oneLine(200),
  does: oneLine(200),
});

export const compareSchema = z
  .strictObject({
    sides: z
      .array(z.strictObject({ label: oneLine(60), id: entryId.optional() }))
      .min(2, "needs at least 2 sides")
      .max(3, "has at most 3 sides"),
    rows: z
      .array(z.strictObject({ aspect: oneLine(60), values: z.array(oneLine(300)) }))
      .min(2, "needs at least 2 rows"),
  })
  .superRefine((c, ctx) => {
    c.rows.forEach((row, i) => {
      if (row.values.length !== c.sides.length) {
        ctx.addIssue({
          code: "custom",
          path: ["rows", i, "values"],
          message: `has ${row.values.length} values but there are ${c.sides.length} sides`,
        });
      }
    });
  });

export const quizSchema = z
  .strictObject({
    question: oneLine(300),
    choices: z.array(oneLine(120)).min(3, "needs 3 or 4 choices").max(4, "needs 3 or 4 choices"),
    /** Index of the correct choice, counting from 0. */
    answer: z.number().int().min(0, "must be a choice index counting from 0"),
    explanation: oneLine(400),
  })
  .superRefine((q, ctx) => {
    if (q.answer >= q.choices.length) {
      ctx.addIssue({
        code: "custom",
        path: ["answer"],
        message: `is ${q.answer} but there are only ${q.choices.length} choices (counting from 0)`,
      });
    }
    if (new Set(q.choices.map((c) => c.toLowerCase())).size !== q.choices.length) {
      ctx.addIssue({ code: "custom", path: ["choices"], message: "has the same choice twice" });
    }
  });

export const frontmatterSchema = z.strictObject({
  id: entryId,
  title: oneLine(100),
  aliases: z.array(oneLine(100)).default([]),
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/, "tags are lower-case words joined by hyphens")).min(1),
  related: z.array(entryId).default([]),
  summary: z.string().trim().min(1, "must not be empty").max(SUMMARY_MAX, `must be at most ${SUMMARY_MAX} characters`),
  commands: z.array(commandSchema).default([]),
  compare: compareSchema.optional(),
  sources: z
    .array(z.url().refine((u) => u.startsWith("https://docs.docker.com/"), "must be a docs.docker.com page"))
    .min(1, "needs at least one docs.docker.com page"),
  verified: z.strictObject({
    date: z.string().refine((d) => {
      const t = new Date(`${d}T00:00:00Z`);
      return /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
    }, "must be a real date like 2026-01-31"),
    docker: z.string().regex(/^\d+(\.\d+)*(\.x)?$/, 'must be a Docker version like "27.5" or "28.x"'),
  }),
  quiz: z.array(quizSchema).min(2, "needs at least 2 questions"),
  overrides: z.boolean().optional(),
});

export type Frontmatter = z.infer<typeof frontmatterSchema>;
export type QuizQuestion = z.infer<typeof quizSchema>;
export type Comparison = z.infer<typeof compareSchema>;

/** A validated knowledge entry: frontmatter plus the Markdown body and where it came from. */
export interface Entry extends Frontmatter {
  body: string;
  /** The body's `##` sections: each answers one question and is searched as a passage. */
  sections: Section[];
  file: string;
  pack: string;
  /**
   * Set on an entry made from a reference pack's Markdown file: the pack's name and the file's
   * address under the pack's `baseUrl` (a section's link adds its anchor). Such entries have no quiz.
   */
  source?: { name: string; url?: string };
}

export const trackSchema = z.strictObject({
  id: entryId,
  title: oneLine(100),
  description: oneLine(300),
  steps: z
    .array(z.strictObject({ entry: entryId, goal: oneLine(200) }))
    .min(3, "needs at least 3 steps")
    .max(30, "has at most 30 steps"),
  overrides: z.boolean().optional(),
});

/** An onboarding track: ordered steps, each pointing at an entry. */
export interface Track extends z.infer<typeof trackSchema> {
  file: string;
  pack: string;
}
