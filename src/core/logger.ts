import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON logs to stdout (or another stream); pretty when that stream is a terminal. Secrets are
 * never passed to the logger, and the usual token fields are redacted in case one slips through.
 */
export function createLogger(opts: { level: string; pretty: boolean; destination?: number }): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { app: "dockhand" },
    redact: {
      paths: ["token", "*.token", "authorization", "*.authorization", "secret", "*.secret"],
      censor: "[redacted]",
    },
  };
  if (opts.pretty) {
    return pino(
      options,
      pino.transport({ target: "pino-pretty", options: { destination: opts.destination ?? 1, colorize: true } }),
    );
  }
  return pino(options, pino.destination({ dest: opts.destination ?? 1, sync: false }));
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
