import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The nearest directory above `from` that holds package.json: the same from src/ and from dist/src/. */
function rootAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return fileURLToPath(new URL("..", import.meta.url));
  }
}

/** The package's own directory, wherever it is installed or run from. */
export const packageRoot = rootAbove(fileURLToPath(new URL(".", import.meta.url)));

/** The packs that ship with Dockhand: the Docker entries and the onboarding tracks. */
export const builtInPacks = [join(packageRoot, "knowledge/docker"), join(packageRoot, "knowledge/tracks")];

/** Dockhand's version (package.json): a saved index from another version is rebuilt. */
export const dockhandVersion: string = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;

/** The index built into the image for the built-in packs (`dockhand index` in the Dockerfile). */
export const seedIndexPath = join(packageRoot, "cache/knowledge-index.bin");
