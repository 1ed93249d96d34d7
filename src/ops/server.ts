import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "./metrics.ts";
import { answerFailed, inRequest, newRef } from "./safety-net.ts";

/** One check of /healthz or /readyz: passing, or what is wrong. */
export interface Check {
  ok: boolean;
  detail?: string;
}

export interface OpsServerOptions {
  port: number;
  /** The interface to listen on (default: all, as a container needs). */
  host?: string;
  log: Logger;
  metrics: Metrics;
  /** The process and its store answer (liveness). */
  health: () => Promise<Record<string, Check>>;
  /** The chat adapters are connected (readiness). */
  ready: () => Record<string, Check>;
  /**
   * Platform endpoints by path (e.g. "/slack/events"), POST only. Every other method on such a path
   * gets 405 and every other path 404: a platform's library never sees a request it cannot route.
   */
  platform?: Record<string, PlatformHandler>;
}

export type PlatformHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface OpsServer {
  readonly port: number;
  /**
   * From now on /healthz and /readyz answer 503 "shutting down", so traffic moves elsewhere, and
   * platform requests get 503 (Slack retries them, on another replica if there is one). Resolves
   * when the platform requests already being handled have been answered.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** How long one health check may take before it counts as failed. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * How long idle connections stay open: longer than load balancers keep theirs (60 s is common). A
 * server that closes first races with the balancer sending the next request on that connection,
 * which then fails (a 502 for the person who asked). At shutdown, close() ends idle ones at once.
 */
const IDLE_CONNECTION_MS = 65_000;

/** The HTTP server for operators: /healthz, /readyz and /metrics, plus the Slack receiver when it needs one. */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const log = opts.log.child({ component: "http" });
  let isDraining = false;
  /** Platform requests being handled, and who waits for there to be none. */
  let active = 0;
  const idle: (() => void)[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(`${JSON.stringify(body)}\n`);
  };
  const verdict = (res: ServerResponse, checks: Record<string, Check>) => {
    if (isDraining) checks = { ...checks, process: { ok: false, detail: "shutting down" } };
    const ok = Object.values(checks).every((c) => c.ok);
    json(res, ok ? 200 : 503, { ok, checks });
  };

  const platform = (path: string, req: IncomingMessage, res: ServerResponse, handler: PlatformHandler) => {
    if (isDraining) {
      json(res, 503, { ok: false, error: "shutting down" });
      return;
    }
    active += 1;
    res.once("close", () => {
      active -= 1;
      if (active === 0) for (const wake of idle.splice(0)) wake();
    });
    // A handler that throws at once, or whose work fails later with nothing to catch it, answers
    // 500 with a reference (the safety net finds the request through inRequest) instead of
    // leaving the connection hanging or the process stopping.
    inRequest(res, `POST ${path}`, () => {
      try {
        handler(req, res);
      } catch (err) {
        const ref = newRef();
        log.error({ err, ref, path }, "platform request failed");
        answerFailed(res, ref);
      }
    });
  };

  const server: Server = createServer((req, res) => {
    // A trailing slash or a query string does not make another endpoint.
    const path = (req.url ?? "/").split("?")[0]?.replace(/(.)\/+$/, "$1") ?? "/";
    const get = req.method === "GET" || req.method === "HEAD";
    const own = path === "/healthz" || path === "/readyz" || path === "/metrics";
    const handler = opts.platform && Object.hasOwn(opts.platform, path) ? opts.platform[path] : undefined;
    if (own && !get) {
      res.setHeader("allow", "GET, HEAD");
      json(res, 405, { ok: false, error: `${path} answers GET only` });
      return;
    }
    if (path === "/healthz") {
      withTimeout(opts.health(), CHECK_TIMEOUT_MS).then(
        (checks) => verdict(res, checks),
        (err: unknown) => verdict(res, { process: { ok: false, detail: (err as Error).message } }),
      );
      return;
    }
    if (path === "/readyz") {
      verdict(res, opts.ready());
      return;
    }
    if (path === "/metrics") {
      opts.metrics.expose().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType }).end(body);
        },
        (err: unknown) => {
          log.error({ err }, "could not collect metrics");
          json(res, 500, { ok: false, error: "could not collect metrics" });
        },
      );
      return;
    }
    if (handler) {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        json(res, 405, { ok: false, error: `${path} takes POST requests from the platform only` });
        return;
      }
      platform(path, req, res, handler);
      return;
    }
    const known = ["/healthz", "/readyz", "/metrics", ...Object.keys(opts.platform ?? {})];
    json(res, 404, { ok: false, error: `not found: try ${known.join(", ")}` });
  });
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `PORT ${opts.port} is already in use: choose another port or stop what is using it`
            : `cannot listen on PORT ${opts.port}: ${err.message}`,
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, "listening for /healthz, /readyz and /metrics");
  return {
    port,
    drain() {
      isDraining = true;
      return active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Whatever is still open after a moment (a scrape in progress) is cut.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      }),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
