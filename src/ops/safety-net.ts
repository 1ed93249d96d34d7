import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Logger } from "../core/logger.ts";

/** The request whose work is running, so that a failure nobody caught can still answer it. */
interface Scope {
  res: ServerResponse;
  what: string;
}

const scope = new AsyncLocalStorage<Scope>();

/** Runs a request's handler so that an error escaping it (sync or async) is tied to that request. */
export function inRequest<T>(res: ServerResponse, what: string, fn: () => T): T {
  return scope.run({ res, what }, fn);
}

/** A short id to quote in a log line and to the person or operator who saw the failure. */
export function newRef(): string {
  return randomBytes(4).toString("hex");
}

/** Answers a request with a 500 naming the reference, unless an answer has already started. */
export function answerFailed(res: ServerResponse, ref: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .writeHead(500, { "content-type": "application/json; charset=utf-8" })
    .end(`${JSON.stringify({ ok: false, error: "internal error", ref })}\n`);
}

/** SQLite says the file is not a database, or damaged: serving on would only spread the damage. */
export function isStoreIntegrityError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB";
}

export interface SafetyNetOptions {
  log: Logger;
  /** Counts one failure that nothing caught (a metric). */
  count: (where: "request" | "background") => void;
  /** Called once for a failure that must stop the process (start-up, store integrity). */
  fatal: (err: unknown, ref: string) => void;
}

/**
 * The last line of defence once Dockhand serves: an exception or rejection that escaped every
 * handler is logged with a reference and counted, the request it came from (if any) gets a 500,
 * and the process stays up. Until `started()` is called, and for a damaged store at any time, the
 * failure is fatal instead: the process stops with a clear message rather than limp on.
 */
export function installSafetyNet(o: SafetyNetOptions): { started(): void; uninstall(): void } {
  let serving = false;
  let stopping = false;
  const handle = (err: unknown, kind: "exception" | "rejection") => {
    const ref = newRef();
    const current = scope.getStore();
    o.count(current ? "request" : "background");
    if (isStoreIntegrityError(err) || !serving) {
      o.log.fatal({ err, ref, kind }, "unrecoverable error; stopping");
      if (current) answerFailed(current.res, ref);
      if (!stopping) {
        stopping = true;
        o.fatal(err, ref);
      }
      return;
    }
    o.log.error({ err, ref, kind, request: current?.what }, "an error escaped its handler; the process keeps serving");
    if (current) answerFailed(current.res, ref);
  };
  const onException = (err: unknown) => handle(err, "exception");
  const onRejection = (err: unknown) => handle(err, "rejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return {
    started() {
      serving = true;
    },
    uninstall() {
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    },
  };
}
