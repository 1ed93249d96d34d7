#!/usr/bin/env bash
# Builds Dockhand's Dockerfile and checks that the image behaves as the Dockerfile promises:
# a non-root numeric user, no dev dependencies, a working native SQLite module, a HEALTHCHECK
# that passes once the service is up, and a clean exit within 10 s of SIGTERM.
#
# There is no Docker engine on the CI machines, so Debian's buildah builds and runs the image
# (chroot isolation; it shares the host network). No registry is reachable either, so the base
# image named by the Dockerfile's FROM is made locally from Debian (debootstrap) plus this
# machine's Node.js, and cached in buildah's storage for the next run.
#
# Needs root (CI runs as root). Usage: bash scripts/container-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/dockhand
STAND_IN_LABEL=io.dockhand.stand-in-node
export BUILDAH_ISOLATION=chroot

say() { echo "container-check: $*"; }
fail() {
  echo "container-check: FAILED: $*" >&2
  exit 1
}
started=$SECONDS
step_started=$SECONDS
step() {
  say "$* (at $((SECONDS - started)) s)"
  step_started=$SECONDS
}

[[ $(id -u) -eq 0 ]] || fail "must run as root (buildah builds and mounts images as root here)"
command -v node >/dev/null || fail "node is not installed on this machine"

# --- cleanup: everything this script starts or creates goes away on exit ---------------------
work=$(mktemp -d /tmp/dockhand-container-check.XXXXXX)
run_pid=""
app_pid=""
containers=()
cleanup() {
  local rc=$?
  set +e
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then kill -KILL "$app_pid" 2>/dev/null; fi
  if [[ -n $run_pid ]] && kill -0 "$run_pid" 2>/dev/null; then
    kill -TERM "$run_pid" 2>/dev/null
    sleep 1
    kill -KILL "$run_pid" 2>/dev/null
  fi
  [[ -n $run_pid ]] && wait "$run_pid" 2>/dev/null
  for c in "${containers[@]}"; do
    buildah umount "$c" >/dev/null 2>&1
    buildah rm "$c" >/dev/null 2>&1
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. tools ----------------------------------------------------------------------------------
step "checking tools"
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
  say "installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need[@]}" >"$work/apt.log" 2>&1 ||
    { apt-get update >>"$work/apt.log" 2>&1 && apt-get install -y --no-install-recommends "${need[@]}" >>"$work/apt.log" 2>&1; } ||
    { tail -20 "$work/apt.log" >&2; fail "could not install ${need[*]} with apt-get"; }
fi

# --- 2. the base image -------------------------------------------------------------------------
# Every FROM that names an image (not an earlier stage) must be the same node:<major>-bookworm-slim.
mapfile -t bases < <(awk '
  toupper($1) == "FROM" {
    i = 2; while ($i ~ /^--/) i++
    img = $i
    if (!(tolower(img) in stages)) print img
    if (toupper($(i + 1)) == "AS") stages[tolower($(i + 2))] = 1
  }' Dockerfile | sort -u)
((${#bases[@]} == 1)) || fail "expected one base image in the Dockerfile's FROM lines, found: ${bases[*]:-none}"
base=${bases[0]}
[[ $base =~ ^node:([0-9]+)-bookworm-slim$ ]] ||
  fail "the base $base is not node:<major>-bookworm-slim, which is the only base this script can make locally"
base_major=${BASH_REMATCH[1]}
base_ref=docker.io/library/$base
node_version=$(node -p process.version)
[[ $node_version == "v$base_major."* ]] ||
  fail "this machine's Node.js $node_version cannot stand in for $base; install Node.js $base_major"

have_label=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$STAND_IN_LABEL\"}}" "$base_ref" 2>/dev/null || echo missing)
if [[ $have_label == "$node_version" ]]; then
  step "base $base_ref: the cached stand-in with Node.js $node_version"
elif [[ $have_label == "" || $have_label == "<no value>" ]]; then
  step "base $base_ref: the real image, found in local storage"
else
  # Missing, or a stand-in made with another Node.js version.
  step "making the base $base_ref locally (Debian bookworm minbase + Node.js $node_version)"
  mirror=$(grep -hoE '^URIs:[[:space:]]*\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  [[ -n $mirror ]] || mirror=$(grep -hoE '^deb[[:space:]]+\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  node_bin=$(readlink -f "$(command -v node)")
  node_prefix=$(dirname "$(dirname "$node_bin")")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [[ -f $npm_dir/bin/npm-cli.js ]] || fail "cannot find npm next to this machine's Node.js (looked in $npm_dir)"
  [[ -f $node_prefix/include/node/node.h ]] ||
    fail "no Node.js headers in $node_prefix/include/node; node-gyp needs them to build better-sqlite3"

  ctr=$(buildah from scratch)
  containers+=("$ctr")
  root=$(buildah mount "$ctr")
  say "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap could not make a bookworm root from $mirror"; }
  # Where the official node images keep Node.js, npm and the headers node-gyp compiles against.
  install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  cp -a "$node_prefix/include/node" "$root/usr/local/include/node"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  buildah umount "$ctr" >/dev/null
  buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "NODE_VERSION=${node_version#v}" \
    --cmd '["node"]' \
    --label "$STAND_IN_LABEL=$node_version" \
    "$ctr"
  buildah commit --quiet --format docker --rm "$ctr" "$base_ref" >/dev/null ||
    fail "could not commit the base image $base_ref"
  containers=()
  say "base ready in $((SECONDS - step_started)) s"
fi

# --- 3. build ----------------------------------------------------------------------------------
# npm inside the build uses this machine's CA bundle and npm settings, mounted rather than baked
# in. nodedir points node-gyp at the headers in the base image instead of downloading them.
step "building $IMAGE"
npmrc=$work/npmrc
global_npmrc=$(npm config get globalconfig 2>/dev/null || true)
if [[ -n $global_npmrc && -f $global_npmrc ]]; then grep -vE '^[[:space:]]*(nodedir|update-notifier)' "$global_npmrc" >"$npmrc" || true; fi
printf '%s\n' nodedir=/usr/local update-notifier=false >>"$npmrc"
mounts=(-v "$npmrc:/usr/local/etc/npmrc:ro")
ca=/etc/ssl/certs/ca-certificates.crt
if [[ -f $ca ]]; then
  mounts+=(-v "$ca:$ca:ro")
  grep -q '^cafile' "$npmrc" || echo "cafile=$ca" >>"$npmrc"
fi
old_id=$(buildah images --quiet --no-trunc "$IMAGE" 2>/dev/null | head -1 || true)
# The full log goes to a file (shown on failure); the steps and cache hits show as they happen.
if ! buildah bud --isolation chroot --format docker --layers --pull=never "${mounts[@]}" -t "$IMAGE" . 2>&1 |
  tee "$work/build.log" | grep --line-buffered -E '^\[[0-9]+/[0-9]+\] STEP|Using cache'; then
  say "last lines of the build:"
  tail -40 "$work/build.log" | sed 's/^/  | /' >&2
  fail "buildah bud could not build the Dockerfile"
fi
new_id=$(buildah images --quiet --no-trunc "$IMAGE" | head -1)
if [[ -n $old_id && $old_id != "$new_id" ]]; then buildah rmi "$old_id" >/dev/null 2>&1 || true; fi
say "built in $((SECONDS - step_started)) s"

# --- 4. what the image says about itself --------------------------------------------------------
step "inspecting the image"
buildah inspect --type image "$IMAGE" >"$work/inspect.json"
# Prints one field of the image config, NUL-separated so arrays survive word splitting.
field() {
  node -e '
    const cfg = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Docker.config ?? {};
    const v = { command: [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])], health: cfg.Healthcheck?.Test ?? [],
      user: [cfg.User ?? ""], workdir: [cfg.WorkingDir || "/"], volumes: Object.keys(cfg.Volumes ?? {}),
      ports: Object.keys(cfg.ExposedPorts ?? {}), env: cfg.Env ?? [] }[process.argv[2]];
    process.stdout.write(v.map((s) => s + "\0").join(""));' "$work/inspect.json" "$1"
}
mapfile -d '' -t command < <(field command)
mapfile -d '' -t health < <(field health)
mapfile -d '' -t user_field < <(field user)
mapfile -d '' -t workdir_field < <(field workdir)
mapfile -d '' -t volumes < <(field volumes)
mapfile -d '' -t ports < <(field ports)
mapfile -d '' -t image_env < <(field env)
user=${user_field[0]:-}
workdir=${workdir_field[0]}
say "command: ${command[*]:-none}; healthcheck: ${health[*]:-none}; user: ${user:-none}; volumes: ${volumes[*]:-none}; ports: ${ports[*]:-none}"

((${#command[@]})) || fail "the image has no ENTRYPOINT or CMD"
[[ ${command[0]} != /bin/sh && ${command[0]} != sh ]] ||
  fail "the image's command runs through a shell (${command[*]}); use the exec form so node gets SIGTERM"
[[ $user =~ ^([0-9]+)(:([0-9]+))?$ ]] || fail "the image's USER '${user}' is not numeric (USER 10001:10001)"
uid=${BASH_REMATCH[1]}
((uid != 0)) || fail "the image runs as root (USER $user)"
case ${health[0]:-} in
  CMD) health=("${health[@]:1}") ;;
  CMD-SHELL) health=(/bin/sh -c "${health[1]}") ;;
  *) fail "the image has no HEALTHCHECK (was it built with --format docker?)" ;;
esac
printf '%s\n' "${volumes[@]}" | grep -qx /data || fail "the image declares no VOLUME /data"
((${#ports[@]})) || fail "the image EXPOSEs no port"

# --- 5. the image's file system -----------------------------------------------------------------
step "checking the image's files"
ctr=$(buildah from --pull=never "$IMAGE")
containers+=("$ctr")
root=$(buildah mount "$ctr")
app=$root$workdir
node -e '
  const fs = require("fs"), path = require("path");
  const [app] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
  // The direct devDependencies and every package the lockfile marks dev-only must be gone. A direct
  // devDependency that a production package also needs (the lockfile then leaves it unmarked, e.g.
  // discord-api-types under discord.js) rightly stays.
  const packages = lock.packages ?? {};
  const devOnly = new Set();
  for (const name of Object.keys(pkg.devDependencies ?? {})) {
    const p = `node_modules/${name}`;
    if (!packages[p] || packages[p].dev) devOnly.add(p);
  }
  for (const [p, meta] of Object.entries(packages)) if (p && meta.dev) devOnly.add(p);
  const found = [...devOnly].filter((p) => fs.existsSync(path.join(app, p)));
  if (found.length) {
    console.error(`container-check: FAILED: ${found.length} dev-only package(s) in the image: ${found.slice(0, 10).join(", ")}`);
    process.exit(1);
  }
  const stray = [".git", ".env", "test", "data", "coverage"].filter((p) => fs.existsSync(path.join(app, p)));
  if (stray.length) {
    console.error(`container-check: FAILED: the image contains ${stray.join(", ")}; check .dockerignore and the COPY lines`);
    process.exit(1);
  }
  console.log(`container-check: none of the ${devOnly.size} dev-only packages is in the image`);
' "$app" || exit 1
buildah umount "$ctr" >/dev/null
size=$(buildah images --format '{{.Size}}' "$IMAGE" | head -1)
say "image size: $size"

# The native module must load in the runtime stage, as the image's user.
buildah run --user "$user" "$ctr" -- node -e \
  'const D = require("better-sqlite3"); const db = new D(":memory:"); db.prepare("select 1").get(); db.close()' ||
  fail "better-sqlite3 does not load in the image (was it built for this Node.js and glibc?)"
say "better-sqlite3 loads in the image"

# --- 6. run it: health, user, SIGTERM ------------------------------------------------------------
step "starting: ${command[*]}"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
marker=dockhand-container-check-$$-$RANDOM
# PORT is overridden only because chroot isolation shares the host's network, where 3000 may be taken.
# No -v for /data: buildah gives each VOLUME of the image a fresh volume of its own (seeded from the
# image, like an anonymous volume with `docker run`), and it would win over a bind mount anyway.
buildah run --user "$user" -e "PORT=$port" -e "DOCKHAND_CONTAINER_CHECK=$marker" \
  "$ctr" -- "${command[@]}" </dev/null >"$work/app.log" 2>&1 &
run_pid=$!

# The app's node process, found by the marker in its environment (it runs in the host's PID namespace).
find_app() {
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == node ]] || continue
    tr '\0' '\n' <"$f" 2>/dev/null | grep -qx "DOCKHAND_CONTAINER_CHECK=$marker" && { echo "$pid"; return 0; }
  done
  return 1
}
show_log() {
  say "last lines of the app's output:"
  tail -20 "$work/app.log" | sed 's/^/  | /' >&2
}

healthy=""
for _ in $(seq 1 60); do
  if ! kill -0 "$run_pid" 2>/dev/null; then
    wait "$run_pid" && rc=0 || rc=$?
    run_pid=""
    show_log
    fail "the app exited (status $rc) before its health check passed; with PORT set and no chat tokens it should keep running as a service"
  fi
  [[ -n $app_pid ]] || app_pid=$(find_app || true)
  if [[ -n $app_pid ]] && out=$(buildah run --user "$user" -e "PORT=$port" "$ctr" -- "${health[@]}" 2>&1); then
    healthy=$out
    break
  fi
  sleep 1
done
[[ -n $healthy ]] || {
  show_log
  fail "the image's HEALTHCHECK (${health[*]}) did not pass within 60 s; last output: ${out:-none}"
}
say "health check passed: $healthy"

[[ -n $app_pid ]] || fail "could not find the app's node process"
read -r _ real effective _ < <(grep '^Uid:' "/proc/$app_pid/status")
((real != 0 && effective != 0)) || fail "the app's process runs as root (uid $real/$effective)"
((effective == uid)) || fail "the app's process runs as uid $effective, not the image's USER $uid"
say "the app runs as uid $effective"

# The non-root user could create its database in the volume (seen through the app's own root).
db_path=$(printf '%s\n' "${image_env[@]}" | sed -n 's/^DOCKHAND_DB_PATH=//p' | tail -1)
if [[ $db_path == /data/* ]]; then
  [[ -f /proc/$app_pid/root$db_path ]] || fail "the app has no database at $db_path in its /data volume"
  say "the app keeps its database at $db_path in the volume"
fi

step "sending SIGTERM to the app (pid $app_pid)"
kill -TERM "$app_pid"
for _ in $(seq 1 100); do
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$app_pid" 2>/dev/null; then
  show_log
  fail "the app was still running 10 s after SIGTERM"
fi
app_pid=""
wait "$run_pid" && rc=0 || rc=$?
run_pid=""
if ((rc != 0)); then
  show_log
  fail "the app exited with status $rc after SIGTERM, not 0"
fi
say "stopped cleanly in $((SECONDS - step_started)) s"

say "OK: image $IMAGE ($size) passed every check in $((SECONDS - started)) s"
