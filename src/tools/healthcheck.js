// The image's HEALTHCHECK: exits 0 when Dockhand's /healthz answers 200, otherwise 1, with one line
// saying why (Docker keeps it in `docker inspect --format '{{json .State.Health}}'`).
// Plain JavaScript without tsx, so it starts in a fraction of the probe's timeout, and no curl is needed
// in the slim image. It is a separate program, not part of the app, so it reads PORT itself.
const port = process.env.PORT || "3000";
const url = `http://127.0.0.1:${port}/healthz`;
const timeoutMs = 3000;

function oneLine(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = oneLine(await res.text());
  if (res.status === 200) {
    console.log(`healthy: ${url} answered 200`);
    process.exit(0);
  }
  console.log(`unhealthy: ${url} answered ${res.status}${body ? ` ${body}` : ""}`);
  process.exit(1);
} catch (err) {
  const reason =
    err?.name === "TimeoutError"
      ? `no answer within ${timeoutMs / 1000} s`
      : (err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err));
  console.log(`unhealthy: ${url}: ${reason}`);
  process.exit(1);
}
