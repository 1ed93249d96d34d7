import type { z } from "zod";

/** One thing wrong in a pack, named by file and field so that a person can fix it. */
export interface Problem {
  file: string;
  field?: string;
  message: string;
  /**
   * A flaw `dockhand lint` fails on but that does not stop the pack from answering (two sections
   * asking the same question): start-up and `ask` load the pack anyway and only count these.
   */
  lintOnly?: boolean;
  /** A reference file left out (no heading, binary, too large): `dockhand lint` shows it and passes. */
  warning?: boolean;
}

/** The problems that stop a pack from loading (every problem but the lint-only ones). */
export function blocking(problems: Problem[]): Problem[] {
  return problems.filter((p) => !p.lintOnly);
}

export function formatProblem(p: Problem): string {
  const text = p.field ? `${p.file}: ${p.field}: ${p.message}` : `${p.file}: ${p.message}`;
  return p.warning ? `warning: ${text}` : text;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    const field = fieldPath(issue.path) || undefined;
    let message = issue.message;
    if (issue.code === "unrecognized_keys") message = `unknown key(s): ${issue.keys.join(", ")}`;
    else if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
    return { file, field, message };
  });
}
