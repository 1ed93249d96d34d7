#!/usr/bin/env node
// Runs the TypeScript sources directly, so `npx dockhand` works right after `npm install`.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
