// `npm run build`: compiles src/ and commands/ to dist/ (tsconfig.build.json), then copies what tsc does not emit:
// the plain JavaScript entry points and the word list search reads at run time.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
for (const file of ["src/bin.js", "src/tools/healthcheck.js", "src/core/knowledge/common-words.txt"]) {
  const to = join(root, "dist", file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, file), to);
}
