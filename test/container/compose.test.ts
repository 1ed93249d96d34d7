// docker-compose.yml: Dockhand with PostgreSQL by default, and a "sqlite" profile without it.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string> | string[];
  env_file?: unknown;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  restart?: string;
}
interface ComposeFile {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(`${root}/docker-compose.yml`, "utf8")) as ComposeFile;
const services = compose.services;
const env = (s: Service) =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]))
    : (s.environment ?? {});
const dockerfilePort = /^ENV[\s\S]*?\bPORT=(\d+)/m.exec(fs.readFileSync(`${root}/Dockerfile`, "utf8"))?.[1];

describe("docker-compose.yml", () => {
  const postgres = services.postgres as Service;
  const dockhand = services.dockhand as Service;
  const sqlite = services["dockhand-sqlite"] as Service;

  it("has the services: postgres and dockhand by default, dockhand-sqlite in the sqlite profile", () => {
    expect(postgres, "a postgres service").toBeDefined();
    expect(dockhand, "a dockhand service").toBeDefined();
    expect(sqlite, "a dockhand-sqlite service").toBeDefined();
    expect(postgres.profiles ?? [], "postgres starts by default (no profile)").toEqual([]);
    expect(dockhand.profiles ?? [], "dockhand starts by default (no profile)").toEqual([]);
    expect(sqlite.profiles, "dockhand-sqlite only with the sqlite profile").toEqual(["sqlite"]);
    expect(compose.version, "no obsolete top-level version key").toBeUndefined();
  });

  it("pins PostgreSQL to a tag and checks its health with pg_isready", () => {
    expect(postgres.image, "postgres image pinned to a version tag").toMatch(/^postgres:\d+/);
    const test = postgres.healthcheck?.test;
    expect([test].flat().join(" "), "postgres healthcheck runs pg_isready").toMatch(/pg_isready/);
    const e = env(postgres);
    for (const key of ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"]) {
      expect(e[key], `postgres sets ${key}`).toBeTruthy();
    }
    expect(
      postgres.volumes?.some((v) => v.endsWith(":/var/lib/postgresql/data")),
      "postgres data in a volume",
    ).toBe(true);
  });

  it("starts dockhand only when PostgreSQL is healthy, and points DATABASE_URL at it", () => {
    const depends = dockhand.depends_on as Record<string, { condition?: string }>;
    expect(depends?.postgres?.condition, "depends_on postgres with condition service_healthy").toBe("service_healthy");
    const url = new URL(env(dockhand).DATABASE_URL ?? "");
    expect(url.protocol, "DATABASE_URL is a postgres:// URL").toBe("postgres:");
    expect(url.hostname, "DATABASE_URL names the postgres service as host").toBe("postgres");
    expect(url.pathname, "DATABASE_URL names the POSTGRES_DB database").toBe(`/${env(postgres).POSTGRES_DB}`);
  });

  it("builds Dockhand from the Dockerfile, reads an optional .env, publishes PORT and restarts", () => {
    for (const [name, s] of [
      ["dockhand", dockhand],
      ["dockhand-sqlite", sqlite],
    ] as const) {
      expect(s.build, `${name} builds from the Dockerfile`).toBe(".");
      expect(s.env_file, `${name} reads .env, optional (required: false)`).toEqual([{ path: ".env", required: false }]);
      const containerPorts = (s.ports ?? []).map((p) => String(p).split(":").at(-1));
      expect(containerPorts, `${name} publishes the Dockerfile's PORT ${dockerfilePort}`).toContain(dockerfilePort);
      expect(s.restart, `${name} has a restart policy`).toMatch(/^(unless-stopped|always|on-failure)/);
    }
  });

  it("keeps data in named volumes declared at the top level", () => {
    const named = (v: string) => !/^[./~]/.test(v.split(":")[0] ?? "");
    const pgVolume = postgres.volumes?.find((v) => v.endsWith(":/var/lib/postgresql/data")) ?? "";
    const dataVolume = sqlite.volumes?.find((v) => v.endsWith(":/data")) ?? "";
    for (const v of [pgVolume, dataVolume]) {
      expect(named(v), `${v || "(missing)"} is a named volume, not a bind mount`).toBe(true);
      expect(Object.keys(compose.volumes ?? {}), `${v.split(":")[0]} is declared under volumes:`).toContain(
        v.split(":")[0],
      );
    }
    const sqliteEnv = env(sqlite);
    expect(sqliteEnv.DATABASE_URL ?? "", "dockhand-sqlite clears DATABASE_URL").toBe("");
  });
});
