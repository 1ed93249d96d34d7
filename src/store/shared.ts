import type { Platform } from "../core/platform.ts";

/** A Date as the store keeps it (epoch milliseconds); refuses an invalid one, naming the field. */
export function ms(date: Date, field: string, owner = "Store"): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError(`${owner}: ${field} is not a valid Date`);
  return t;
}

/** SQLite and PostgreSQL report a unique violation with different codes. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

/** SQLite and PostgreSQL report a foreign-key violation with different codes. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}

/** Aggregates come back as numbers, strings (PostgreSQL numeric) or null (no rows). */
export function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** The columns that say where a row belongs, from a channel. */
export function channelValues(ch: { platform: Platform; workspaceId: string; channelId: string }) {
  return { platform: ch.platform as string, workspace_id: ch.workspaceId, channel_id: ch.channelId };
}

type Methods<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };
type Merged<T extends object[]> = T extends [infer H, ...infer R extends object[]] ? Methods<H> & Merged<R> : unknown;

/**
 * One object with the methods of every part, each bound to its part: a feature's repository is
 * implemented by several aggregate classes (one file each) and handed to the feature as one.
 */
export function merge<T extends object[]>(...parts: T): Merged<T> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
      const fn = (part as Record<string, unknown>)[name];
      if (name === "constructor" || typeof fn !== "function") continue;
      if (name in out) throw new Error(`merge: two parts define ${name}`);
      out[name] = fn.bind(part);
    }
  }
  return out as Merged<T>;
}
