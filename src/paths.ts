import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The package's own directory, wherever it is installed or run from. */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/** The packs that ship with Dockhand: the Docker entries and the onboarding tracks. */
export const builtInPacks = [
  fileURLToPath(new URL("../knowledge/docker", import.meta.url)),
  fileURLToPath(new URL("../knowledge/tracks", import.meta.url)),
];

/** Dockhand's version (package.json): a saved index from another version is rebuilt. */
export const dockhandVersion: string = JSON.parse(
  readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
).version;

/** The index built into the image for the built-in packs (`dockhand index` in the Dockerfile). */
export const seedIndexPath = fileURLToPath(new URL("../cache/knowledge-index.bin", import.meta.url));
