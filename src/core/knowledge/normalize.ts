/**
 * Text normalisation shared by the loader's uniqueness checks and by search, so that
 * "Docker PS -a", "docker ps -a" and "docker container ls -a" compare equal.
 */

// A token is a word (with inner dots, hyphens, underscores, colons and slashes kept, so that
// host.docker.internal, unless-stopped and node:20 stay whole), or a command-line flag.
const TOKEN = /--?[\p{L}\p{N}][\p{L}\p{N}-]*|[\p{L}\p{N}](?:[\p{L}\p{N}._:/-]*[\p{L}\p{N}])?/gu;

// Legacy top-level commands and the management command each belongs to.
const CONTAINER_VERBS = new Set([
  "run",
  "rm",
  "logs",
  "exec",
  "stop",
  "start",
  "restart",
  "kill",
  "port",
  "cp",
  "top",
  "stats",
  "attach",
  "create",
  "pause",
  "unpause",
  "rename",
  "wait",
  "diff",
  "commit",
  "export",
  "update",
  "prune",
]);
const IMAGE_VERBS = new Set(["pull", "push", "tag", "history", "save", "load", "import", "build"]);
const LIST_WORDS = new Set(["ps", "list"]);
// Long flags that mean the same as a short one on the docker commands people ask about.
const FLAG_SYNONYMS: Record<string, string> = {
  "--all": "-a",
  "--force": "-f",
  "--detach": "-d",
  "--interactive": "-i",
  "--tty": "-t",
  "--tag": "-t",
  "--publish": "-p",
  "--volume": "-v",
  "--env": "-e",
  "--quiet": "-q",
  "--follow": "-f",
};

/** Lower-cases and splits text into tokens, without stemming. */
export function rawTokens(text: string): string[] {
  const folded = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, "")
    .replace(/([\p{L}\p{N}])['\u2019]([\p{L}\p{N}])/gu, "$1$2")
    .replace(/[\u2018\u2019\u201c\u201d`'"]/g, " ")
    .replace(/docker-compose/g, "docker compose")
    .replace(/\u2014|\u2013/g, " ");
  return folded.match(TOKEN) ?? [];
}

/**
 * Rewrites Docker command lines into their management-command form:
 * `docker ps` → `docker container ls`, `docker rmi` → `docker image rm`, `docker images` → `docker image ls`.
 */
export function canonicalCommands(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = FLAG_SYNONYMS[tokens[i] as string] ?? (tokens[i] as string);
    out.push(t);
    if (t !== "docker") continue;
    const next = tokens[i + 1];
    if (next === undefined) continue;
    if (next === "ps") out.push("container", "ls");
    else if (next === "images") out.push("image", "ls");
    else if (next === "rmi") out.push("image", "rm");
    else if (CONTAINER_VERBS.has(next)) out.push("container", next);
    else if (IMAGE_VERBS.has(next)) out.push("image", next);
    else if (next === "container" || next === "image" || next === "volume" || next === "network") {
      const verb = tokens[i + 2];
      out.push(next);
      if (verb !== undefined && LIST_WORDS.has(verb)) out.push("ls");
      else if (verb === "remove") out.push("rm");
      else if (verb !== undefined) out.push(verb);
      i += verb === undefined ? 1 : 2;
      continue;
    } else {
      continue;
    }
    i += 1;
  }
  return out;
}

/** A light English stemmer: enough to make plurals meet (cache/caches, alias/aliases, process/processes). */
export function stem(token: string): string {
  if (token.startsWith("-") || /[\d._:/]/.test(token) || token.length <= 3) return token;
  if (token.endsWith("ies") && token.length > 4) return `${token.slice(0, -3)}y`;
  if (/(sses|xes|shes|iases)$/.test(token)) return token.slice(0, -2);
  if (/(ss|us|is)$/.test(token)) return token;
  if (token.endsWith("s")) return token.slice(0, -1);
  return token;
}

/** Tokens in their canonical, stemmed form. */
export function normalTokens(text: string): string[] {
  return canonicalCommands(rawTokens(text)).map(stem);
}

/**
 * Tokens for ranked search: like `normalTokens`, and a compound such as ctrl-p, unless-stopped,
 * host.docker.internal or node:20 also yields its parts, so "ctrl p" meets "Ctrl-P".
 */
export function searchTokens(text: string): string[] {
  const out: string[] = [];
  for (const t of normalTokens(text)) {
    out.push(t);
    if (t.startsWith("-")) continue;
    const parts = t.split(/[-._:/]+/).filter((p) => p.length > 0);
    if (parts.length > 1) for (const p of parts) out.push(stem(p));
  }
  return out;
}

/** A key for exact comparison: canonical stemmed tokens joined by single spaces. */
export function normalKey(text: string): string {
  return normalTokens(text.replace(/(\w)-(?=\w)/g, "$1 ")).join(" ");
}
