/**
 * PostgreSQL connections can be cut under a running process (a restart, a failover,
 * pg_terminate_backend). The statement in flight then fails with one of these; the pool drops the
 * connection and the next statement gets a fresh one.
 */
const LOST_CODES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "ECONNRESET", "EPIPE"]);

export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && LOST_CODES.has(e.code)) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /Connection terminated|connection error and is not queryable|terminating connection/i.test(message);
}

/**
 * Runs an idempotent operation, and once more when its connection was lost under it: the first
 * attempt may or may not have committed, so only operations whose repeat is harmless come here.
 */
export async function retryIfConnectionLost<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (!isConnectionLost(err)) throw err;
    return op();
  }
}
