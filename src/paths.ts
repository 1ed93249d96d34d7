import { fileURLToPath } from "node:url";

/** The package's own directory, wherever it is installed or run from. */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/** The packs that ship with Dockhand: the Docker entries and the onboarding tracks. */
export const builtInPacks = [
  fileURLToPath(new URL("../knowledge/docker", import.meta.url)),
  fileURLToPath(new URL("../knowledge/tracks", import.meta.url)),
];
