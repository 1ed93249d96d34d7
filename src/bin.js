#!/usr/bin/env node
// The compiled JavaScript when it sits next to this file (dist/src/, as the image runs it); otherwise the
// TypeScript sources through tsx, so that `npx dockhand` works right after `npm install`.
import { existsSync } from "node:fs";

if (existsSync(new URL("./cli.js", import.meta.url))) {
  await import("./cli.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./cli.ts");
}
