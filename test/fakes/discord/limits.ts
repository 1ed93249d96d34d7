import type { RESTError, RESTErrorData } from "discord-api-types/v10";

/**
 * Discord's message limits, checked the way Discord checks them: an outgoing message that breaks
 * one gets 400 "Invalid Form Body" (code 50035) with per-field errors, and discord.js rejects with
 * a DiscordAPIError that names the field. So an adapter test fails where the real API would.
 */

interface Embed {
  title?: string;
  description?: string;
  fields?: { name?: string; value?: string }[];
  footer?: { text?: string };
  author?: { name?: string };
}

interface Component {
  type?: number;
  components?: Component[];
  custom_id?: string;
  label?: string;
}

export interface MessageBody {
  content?: string | null;
  embeds?: Embed[] | null;
  components?: Component[] | null;
}

/** An autocomplete answer (callback type 8). */
export interface ChoicesBody {
  choices?: unknown[];
}

type Problems = Record<string, string>;

function tooLong(problems: Problems, field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) problems[field] = `Must be ${max} or fewer in length.`;
}

function tooMany(problems: Problems, field: string, value: unknown[] | undefined | null, max: number): void {
  if (value && value.length > max) problems[field] = `Must be ${max} or fewer in length.`;
}

export function messageProblems(body: MessageBody): Problems {
  const p: Problems = {};
  tooLong(p, "content", body.content ?? undefined, 2000);
  const embeds = body.embeds ?? [];
  tooMany(p, "embeds", embeds, 10);
  let total = 0;
  embeds.forEach((e, i) => {
    tooLong(p, `embeds.${i}.title`, e.title, 256);
    tooLong(p, `embeds.${i}.description`, e.description, 4096);
    tooMany(p, `embeds.${i}.fields`, e.fields, 25);
    (e.fields ?? []).forEach((f, j) => {
      tooLong(p, `embeds.${i}.fields.${j}.name`, f.name, 256);
      tooLong(p, `embeds.${i}.fields.${j}.value`, f.value, 1024);
      total += (f.name?.length ?? 0) + (f.value?.length ?? 0);
    });
    tooLong(p, `embeds.${i}.footer.text`, e.footer?.text, 2048);
    tooLong(p, `embeds.${i}.author.name`, e.author?.name, 256);
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0);
    total += (e.footer?.text?.length ?? 0) + (e.author?.name?.length ?? 0);
  });
  if (total > 6000) p.embeds = "Embed size exceeds maximum size of 6000";
  const rows = body.components ?? [];
  tooMany(p, "components", rows, 5);
  rows.forEach((row, i) => {
    tooMany(p, `components.${i}.components`, row.components, 5);
    (row.components ?? []).forEach((c, j) => {
      tooLong(p, `components.${i}.components.${j}.custom_id`, c.custom_id, 100);
      tooLong(p, `components.${i}.components.${j}.label`, c.label, 80);
    });
  });
  return p;
}

export function choicesProblems(body: ChoicesBody): Problems {
  const p: Problems = {};
  tooMany(p, "choices", body.choices, 25);
  return p;
}

/** The 400 body for these problems, nested the way Discord nests `errors`. */
export function invalidFormBody(problems: Problems, prefix = ""): RESTError {
  const errors: Record<string, RESTErrorData> = {};
  for (const [field, message] of Object.entries(problems)) {
    const path = (prefix ? `${prefix}.${field}` : field).split(".");
    let node = errors;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, RESTErrorData>;
    }
    node[path.at(-1) as string] = { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message }] };
  }
  return { code: 50035, message: "Invalid Form Body", errors } satisfies RESTError;
}
