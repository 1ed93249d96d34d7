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
// A Map, not an object literal: a question word such as "constructor" must not find Object's own.
const FLAG_SYNONYMS = new Map<string, string>(
  Object.entries({
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
  }),
);

// For text that is all ASCII (nearly every pack's), the same tokens without Unicode classes:
// NFKC leaves ASCII as it is and the characters the general path drops or replaces are not ASCII.
// biome-ignore lint/suspicious/noControlCharactersInRegex: any character outside ASCII
const NOT_ASCII = /[^\x00-\x7f]/;
const ASCII_TOKEN = /--?[a-z0-9][a-z0-9-]*|[a-z0-9](?:[a-z0-9._:/-]*[a-z0-9])?/g;

/** Lower-cases and splits text into tokens, without stemming. */
export function rawTokens(text: string): string[] {
  if (!NOT_ASCII.test(text)) {
    const ascii = text
      .toLowerCase()
      .replace(/([a-z0-9])'([a-z0-9])/g, "$1$2")
      .replace(/[`'"]/g, " ")
      .replace(/docker-compose/g, "docker compose");
    return ascii.match(ASCII_TOKEN) ?? [];
  }
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
    const t = FLAG_SYNONYMS.get(tokens[i] as string) ?? (tokens[i] as string);
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

/**
 * The stemmer of ranked search, on a token that `stem` has already seen: the endings -ing, -ed and
 * -ion and a final e go, and British -ise becomes -ize, so that talking/talk, starting/started/start,
 * rotation/rotating/rotate, died/die, caching/cache and containerise/containerize meet. Stems need
 * not be words ("rotat", "cach"): index and query go through the same function. Only plain words:
 * flags, compounds (unless-stopped) and tokens with digits stay as they are.
 */
export function searchStem(token: string): string {
  let t = token;
  if (!/^[a-z]{4,}$/.test(t)) return t;
  const base = (cut: number): string | null => {
    let b = t.slice(0, -cut);
    if (!/[aeiouy]/.test(b)) return null; // string, thing, shed
    if (b.length < 3) return `${b}e`; // using → use, died → die
    // A doubled final consonant goes when four letters stay: stopped → stop, shipping → ship. Short
    // verbs keep it (running → runn, setting → sett): a running container is no `docker run`, and
    // search finds such a verb for a form the packs lack. Never l, s or z: pulling, missing.
    if (b.length >= 5 && /([bcdfghjkmnpqrtvwxy])\1$/.test(b)) b = b.slice(0, -1);
    return b;
  };
  if (t.endsWith("ied") && t.length > 4) t = `${t.slice(0, -3)}y`;
  else if (t.endsWith("ing") && t.length > 4) t = base(3) ?? t;
  else if (t.endsWith("ed") && !t.endsWith("eed")) t = base(2) ?? t;
  else if (/[ts]ion$/.test(t) && t.length > 6) t = t.slice(0, -3);
  if (t.length >= 4 && t.endsWith("e")) t = t.slice(0, -1);
  if (t.length >= 6) t = t.replace(/is(at)?$/, "iz$1");
  return t;
}

/** Tokens in their canonical, stemmed form. */
export function normalTokens(text: string): string[] {
  return canonicalCommands(rawTokens(text)).map(stem);
}

/**
 * Tokens for ranked search, as written (`normalTokens`: plurals folded, commands canonical);
 * search turns them into terms with `searchStem`. A compound such as ctrl-p, unless-stopped,
 * host.docker.internal or node:20 also yields its parts, so "ctrl p" meets "Ctrl-P".
 */
export function surfaceTokens(text: string): string[] {
  return surfaceOf(rawTokens(text));
}

/** `surfaceTokens` of tokens that `rawTokens` gave. */
export function surfaceOf(raw: string[]): string[] {
  const out: string[] = [];
  for (const c of canonicalCommands(raw)) {
    let expanded = EXPANSIONS.get(c);
    if (expanded === undefined) {
      expanded = expand(c);
      if (EXPANSIONS.size > 200_000) EXPANSIONS.clear();
      EXPANSIONS.set(c, expanded);
    }
    for (const t of expanded) out.push(t);
  }
  return out;
}

/**
 * True when `canonicalCommands` may read past the end of `raw` (a `docker` among its last two
 * tokens): then `raw` and the tokens after it must be rewritten together.
 */
export function endsInCommand(raw: readonly string[]): boolean {
  const n = raw.length;
  return raw[n - 1] === "docker" || raw[n - 2] === "docker";
}

/** Memo of `expand`: a pack repeats its words many times, and each is expanded once. */
const EXPANSIONS = new Map<string, string[]>();

/** The surface tokens of one canonical token: its stem, and the parts of a flag or a compound. */
function expand(c: string): string[] {
  const t = stem(c);
  const out = [t];
  // A long flag also stands for its word: "tail the logs" meets `docker logs --tail`.
  if (/^--[a-z]{3,}$/.test(t)) out.push(stem(t.slice(2)));
  if (t.startsWith("-")) return out;
  const parts = t.split(/[-._:/]+/).filter((p) => p.length > 0);
  if (parts.length > 1) for (const p of parts) out.push(stem(p));
  return out;
}

/** A key for exact comparison: canonical stemmed tokens joined by single spaces. */
export function normalKey(text: string): string {
  return normalTokens(text.replace(/(\w)-(?=\w)/g, "$1 ")).join(" ");
}
