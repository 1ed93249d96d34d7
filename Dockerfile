# syntax=docker/dockerfile:1
# Dockhand's own image. It is also a worked example of the knowledge pack's
# "Dockerfile best practices" entry: every rule there is applied here once.
#
#   docker build -t dockhand .
#   docker run -d -p 3000:3000 -v dockhand-data:/data --env-file .env dockhand
#
# scripts/container-check.sh builds and runs this file in CI (with buildah).

# ---------------------------------------------------------------------------
# Stage 1: build. Full dev install, compile the native module, check, prune.
# ---------------------------------------------------------------------------
# Pinned to a tag, never `latest`: Node 20 on Debian 12, slim variant. For
# byte-for-byte reproducible builds pin the digest as well and let a bot
# (Renovate, Dependabot) bump it on purpose:
#   FROM node:20-bookworm-slim@sha256:<digest>
# (`docker buildx imagetools inspect node:20-bookworm-slim` prints the digest.)
# Both stages use the same tag so the native module is built for the Node.js
# and glibc it runs on.
FROM node:20-bookworm-slim AS build

# better-sqlite3 compiles from source when no prebuilt binary can be
# downloaded; node-gyp needs Python, make and a C++ compiler. Update, install
# and clean in one RUN, so a stale package index is never reused from the
# cache and the lists never land in a layer.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ \
      make \
      python3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The manifests alone first: this layer and the install below stay cached
# until package.json or package-lock.json change, however often the code does.
# (`allowScripts` in package.json lets the better-sqlite3 and esbuild install
# scripts run under npm 11.)
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

# Now the code. .dockerignore keeps node_modules, .git, .env, data and tests
# out of the context, so nothing from the host overwrites what npm built.
COPY . .

# Fail the build, not the deployment: type errors and broken knowledge packs
# stop here. The search index of the built-in packs is built once, here, so a
# container without packs of its own answers a second after it starts. Then drop the dev dependencies (typescript, vitest, biome, ...)
# and better-sqlite3's C sources and object files (about 25 MB; only the
# compiled better_sqlite3.node is loaded), so the runtime stage can copy
# node_modules as it is.
RUN npm run typecheck \
 && node src/bin.js lint \
 && node src/bin.js index --out cache/knowledge-index.bin \
 && npm prune --omit=dev --no-audit --no-fund \
 && find node_modules/better-sqlite3/build -type f ! -name better_sqlite3.node -delete \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src

# ---------------------------------------------------------------------------
# Stage 2: runtime. Only what `node src/bin.js start` needs; no compiler,
# no npm cache, no dev dependencies, no tests.
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime

LABEL org.opencontainers.image.title="Dockhand" \
      org.opencontainers.image.description="A chat companion for learning and using Docker, for Slack, Discord and the terminal." \
      org.opencontainers.image.licenses="MIT"

# A fixed, numeric, unprivileged user, and the data directory it owns.
# Numbers need no /etc/passwd lookup and let Kubernetes' runAsNonRoot check
# them; 10001 stays clear of users that base images and hosts already have.
RUN groupadd --gid 10001 dockhand \
 && useradd --uid 10001 --gid dockhand --no-create-home --shell /usr/sbin/nologin dockhand \
 && mkdir -p /data \
 && chown 10001:10001 /data

WORKDIR /app

ENV NODE_ENV=production \
    PORT=3000 \
    DOCKHAND_DB_PATH=/data/dockhand.db

# Production node_modules (pruned in the build stage) and the sources tsx runs
# directly. Owned by root and read-only for the app: only /data is writable.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/src ./src
COPY --from=build /app/commands ./commands
COPY --from=build /app/knowledge ./knowledge
COPY --from=build /app/cache ./cache

# The SQLite database lives here; mount a named volume so it outlives the
# container (unused when DATABASE_URL points at PostgreSQL).
VOLUME /data

# /healthz, /readyz and /metrics, and Slack's HTTP receiver when configured.
EXPOSE 3000

USER 10001:10001

# Exec form, and a small Node.js script rather than curl (which the slim image
# lacks): exit 0 when /healthz answers 200, else 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/src/tools/healthcheck.js"]

# Exec form with node itself as PID 1, so `docker stop` delivers SIGTERM to
# Dockhand (no shell in between to swallow it) and it shuts down cleanly.
# The image behaves like the `dockhand` command: `docker run --rm dockhand lint`
# or `... dockhand ask "volumes vs bind mounts"` replace the default `start`.
ENTRYPOINT ["node", "src/bin.js"]
CMD ["start"]
