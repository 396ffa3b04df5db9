#!/usr/bin/env bash
# scripts/test-docker.sh
# CI smoke test of the Docker image on a machine with no registry access: private dockerd, local base image, build, run, probe.
#
# Run as root (CI: `npm run test:docker`). What it does:
#   1. installs docker.io and debootstrap from Debian if missing;
#   2. starts its own dockerd (own data-root, exec-root, socket, pidfile, empty daemon.json; no iptables, no bridge:
#      every container and build uses --network host, so nothing on the host firewall or routing changes);
#   3. if the base image ($NODE_IMAGE, default node:20-bookworm-slim) is not in that daemon yet, assembles it:
#      debootstrap --variant=minbase (tarball cached) + this machine's own node and npm, then `docker import`;
#   4. docker build of the project image, docker run, and checks: /healthz, /v1/evaluate hold + allow, /metrics,
#      the compose file's traffic generator, non-root uid, image config (User, Healthcheck, port, NODE_ENV,
#      /config volume), no dev deps, health=healthy, graceful stop, a config file in the /config volume is
#      loaded and a broken one stops the container, REDIS_URL against a redis-server it starts on a free port;
#   5. cleans up (containers, dockerd, its redis-server, temp dirs) from an EXIT trap; a run that was killed
#      outright is cleaned up by the next one (its redis-server dies with it). Images and build cache stay in the
#      data-root so a second run is fast; `rm -rf /var/lib/cpg-docker /var/cache/cpg-docker` resets everything.
# The last line is `N passed, M failed`; the exit code is 0 only when M is 0.
#
# Environment (all optional):
#   NODE_IMAGE         base image name the Dockerfile's FROM uses (default node:20-bookworm-slim)
#   CPG_IMAGE          tag of the project image built here (default checkout-price-guard:ci)
#   CPG_DOCKER_ROOT    dockerd --data-root, kept between runs (default /var/lib/cpg-docker)
#   CPG_DOCKER_CACHE   where the debootstrap tarball is cached (default /var/cache/cpg-docker)
#   CPG_DOCKER_RUN     socket/pidfile/exec-root/logs of this run's dockerd (default /run/cpg-docker)
#   CPG_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the one in /etc/apt/sources.list*)
#   CPG_REBUILD_BASE=1 rebuild the base image even if it exists
# shellcheck disable=SC2317 # cleanup/summary/on_err are reached through traps

set -euo pipefail
set -o errtrace # the ERR trap also names failures inside functions

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_IMAGE="${NODE_IMAGE:-node:20-bookworm-slim}"
IMAGE="${CPG_IMAGE:-checkout-price-guard:ci}"
DATA_ROOT="${CPG_DOCKER_ROOT:-/var/lib/cpg-docker}"
CACHE_DIR="${CPG_DOCKER_CACHE:-/var/cache/cpg-docker}"
RUN_DIR="${CPG_DOCKER_RUN:-/run/cpg-docker}"
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/dockerd.pid"
DOCKERD_LOG="$RUN_DIR/dockerd.log"
CNAME="cpg-docker-test"
BASE_LABEL="org.checkout-price-guard.base-node-version"

START_TS=$(date +%s)
PASSED=0
FAILED=0
SUMMARY_DONE=0
WORK_DIR=""
CONTAINER_STARTED=0
DOCKERD_PID=""
REDIS_PID=""
LOCK_FD=""
LOCKED=0

log() { printf '[test-docker %3ss] %s\n' "$(($(date +%s) - START_TS))" "$*"; }
pass() {
  PASSED=$((PASSED + 1))
  echo "ok   - $*"
}
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL - $*"
}
# check NAME CMD...: runs CMD, records pass/fail, never aborts the script.
check() {
  local name="$1"
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

summary() {
  [ "$SUMMARY_DONE" = 1 ] && return 0
  SUMMARY_DONE=1
  echo
  if [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]; then
    echo "test-docker: PASS in $(($(date +%s) - START_TS))s"
  else
    echo "test-docker: FAIL in $(($(date +%s) - START_TS))s"
  fi
  echo "$PASSED passed, $FAILED failed"
}

# Fatal: a step the later checks depend on failed. Counts one failure and exits (the EXIT trap cleans up).
die() {
  fail "$*"
  exit 1
}

on_err() {
  local rc=$? line=$1
  # In a command substitution or subshell, let set -e end just that subshell; its caller decides.
  if [ "$BASH_SUBSHELL" -gt 0 ]; then return 0; fi
  # Only reached for unexpected errors (set -e); checks go through check(), fatal steps through die().
  FAILED=$((FAILED + 1))
  echo "FAIL - unexpected error (exit $rc) at scripts/test-docker.sh:$line: $BASH_COMMAND"
  exit "$rc"
}
trap 'on_err $LINENO' ERR

dk() { "$DOCKER_CLI" -H "unix://$SOCK" "$@"; }

stop_dockerd() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "dockerd $pid did not stop in 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 1
}

unmount_under() {
  # Lazily unmount anything left mounted below $1 (debootstrap's /proc, overlay mounts after a crash).
  local dir="$1" m
  [ -n "$dir" ] || return 0
  findmnt -rn -o TARGET 2>/dev/null | awk -v d="$dir" 'index($0, d "/") == 1' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# dockerd bind-mounts its data-root onto itself; a clean stop undoes it, a killed dockerd leaves it (and
# the overlay mounts of its containers). Only called while no dockerd of ours runs.
unmount_data_root() {
  unmount_under "$DATA_ROOT"
  while findmnt -rn -o TARGET 2>/dev/null | grep -qxF "$DATA_ROOT"; do
    umount "$DATA_ROOT" 2>/dev/null || umount -l "$DATA_ROOT" 2>/dev/null || break
  done
}

# PIDs of a dockerd, its containerd and container shims left by an earlier run that was killed: found by
# this script's own socket/exec-root paths in their command lines, so nothing else on the host matches.
stale_pids() {
  local f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"
    pid="${pid%/cmdline}"
    [ "$pid" = "$$" ] && continue
    cmd="$(tr '\0' ' ' <"$f" 2>/dev/null)" || continue
    case "$cmd" in
      *dockerd*"--pidfile $PIDFILE"* | *containerd*"$RUN_DIR/exec/containerd/"*) echo "$pid" ;;
    esac
  done
}

cleanup() {
  local rc=$?
  trap - ERR
  set +e
  if [ "$rc" -ne 0 ] && [ "$CONTAINER_STARTED" = 1 ]; then
    echo "---- container logs (last 40 lines) ----"
    dk logs --tail 40 "$CNAME" 2>&1
    echo "----"
  fi
  if [ "$rc" -ne 0 ] && [ -s "$DOCKERD_LOG" ]; then
    echo "---- dockerd log (last 15 lines) ----"
    tail -n 15 "$DOCKERD_LOG"
    echo "----"
  fi
  if [ -n "$REDIS_PID" ]; then
    kill -KILL "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
  fi
  if [ -n "$DOCKERD_PID" ]; then
    dk rm -f "$CNAME" "$CNAME-config" "$CNAME-badconfig" "$CNAME-redis" >/dev/null 2>&1
    # Dangling images are also the classic builder's cache (the build stage): drop only day-old ones.
    dk image prune -f --filter until=24h >/dev/null 2>&1
    stop_dockerd "$DOCKERD_PID"
  fi
  # RUN_DIR belongs to whichever run holds the lock: leave it alone when this one never got it.
  if [ "$LOCKED" = 1 ]; then
    unmount_under "$RUN_DIR"
    unmount_data_root
    rm -rf --one-file-system "$RUN_DIR" 2>/dev/null
  fi
  if [ -n "$WORK_DIR" ]; then
    unmount_under "$WORK_DIR"
    rm -rf --one-file-system "$WORK_DIR"
  fi
  if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then fail "aborted (exit code $rc)"; fi
  summary
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------------------------------ prerequisites
[ "$(id -u)" = 0 ] || die "must run as root (starts its own dockerd)"
[ -f "$ROOT/Dockerfile" ] || die "no Dockerfile in $ROOT"

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${need[@]}" >/dev/null
fi
for tool in dockerd debootstrap flock findmnt redis-server redis-cli; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool after install"
done
# The client shipped with Debian's docker.io matches its daemon (and has the classic builder we use);
# another `docker` earlier in PATH (e.g. a newer standalone client) would also work but warns about buildx.
if [ -x /usr/bin/docker ]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI="$(command -v docker)"; fi
[ -n "$DOCKER_CLI" ] || die "no docker client"
export DOCKER_BUILDKIT=0
# Keep the client's own state (config.json, contexts) away from ~/.docker.
mkdir -p "$DATA_ROOT" "$CACHE_DIR"
export DOCKER_CONFIG="$CACHE_DIR/client"
mkdir -p "$DOCKER_CONFIG"

# One run at a time per data-root (a second concurrent run waits up to 10 minutes).
exec {LOCK_FD}>"$DATA_ROOT.lock"
flock -w 600 "$LOCK_FD" || die "another test-docker run holds $DATA_ROOT.lock"
LOCKED=1

# ------------------------------------------------------------------------------------------ dockerd
# dockerd runs in its own session (Ctrl-C reaches the script, whose EXIT trap stops dockerd cleanly) and
# without the lock's file descriptor (a dockerd orphaned by a killed run must not hold the lock).
# A dockerd (and its containerd, shims) left behind by an earlier run that was killed: stop them by pid.
stale="$(stale_pids | tr '\n' ' ')"
if [ -n "${stale// /}" ]; then
  log "stopping processes left by an earlier run: $stale"
  for pid in $stale; do stop_dockerd "$pid"; done
fi
unmount_under "$RUN_DIR"
unmount_data_root
rm -rf --one-file-system "$RUN_DIR"
mkdir -p "$RUN_DIR"
echo '{}' >"$RUN_DIR/daemon.json"

log "starting dockerd (data-root $DATA_ROOT, socket $SOCK, host networking only)"
setsid dockerd \
  --config-file "$RUN_DIR/daemon.json" \
  --data-root "$DATA_ROOT" \
  --exec-root "$RUN_DIR/exec" \
  --host "unix://$SOCK" \
  --pidfile "$PIDFILE" \
  --iptables=false \
  --ip-forward=false \
  --ip-masq=false \
  --bridge=none \
  --log-level=warn \
  >"$DOCKERD_LOG" 2>&1 {LOCK_FD}>&- &
DOCKERD_PID=$!
for _ in $(seq 1 120); do
  dk version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || die "dockerd exited at start (log: $(tail -n 3 "$DOCKERD_LOG" | tr '\n' ' '))"
  sleep 0.5
done
dk version >/dev/null 2>&1 || die "dockerd did not answer on $SOCK within 60s"
if [ -s "$PIDFILE" ]; then DOCKERD_PID="$(cat "$PIDFILE")"; fi
log "dockerd $(dk version --format '{{.Server.Version}}') is up (pid $DOCKERD_PID)"
dk rm -f "$CNAME" "$CNAME-config" "$CNAME-badconfig" "$CNAME-redis" >/dev/null 2>&1 || true

# ------------------------------------------------------------------------------------------ base image
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_VERSION="$("$NODE_BIN" -v)"

debian_mirror() {
  # First Debian mirror apt uses for the main suite (deb822 .sources or one-line .list), minus -security.
  local codename="$1" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v c="$codename" '
      /^[[:space:]]*$/ { if (uri != "" && suite) { print uri; exit } uri = ""; suite = 0; next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == c) suite = 1 }
      END { if (uri != "" && suite) print uri }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v c="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i + 1) == c) print $i; break } }' ||
    true
}

build_base_image() {
  local codename arch mirror tarball rootfs npm_cli npm_dir cafile globalrc changes=()
  # shellcheck disable=SC1091
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  arch="$(dpkg --print-architecture)"
  tarball="$CACHE_DIR/debootstrap-$codename-minbase-$arch.tar"
  WORK_DIR="$(mktemp -d /var/tmp/cpg-docker-base.XXXXXX)"
  if [ ! -s "$tarball" ]; then
    mirror="${CPG_DEBIAN_MIRROR:-$({ debian_mirror "$codename" | grep -v -- '-security' | head -n 1; } || true)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    log "debootstrap --variant=minbase $codename from $mirror (cached afterwards in $tarball)"
    if ! debootstrap --variant=minbase "$codename" "$WORK_DIR/debootstrap" "$mirror" >"$WORK_DIR/debootstrap.log" 2>&1; then
      tail -n 20 "$WORK_DIR/debootstrap.log"
      die "debootstrap failed"
    fi
    unmount_under "$WORK_DIR/debootstrap"
    # Trim what a container never needs (apt lists, caches, docs, man pages, locales).
    (
      cd "$WORK_DIR/debootstrap"
      rm -rf var/cache/apt/*.bin var/cache/apt/archives/*.deb var/lib/apt/lists/* var/log/* \
        usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/* tmp/* dev/*
    )
    tar -C "$WORK_DIR/debootstrap" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf --one-file-system "$WORK_DIR/debootstrap"
  else
    log "using cached $tarball"
  fi

  rootfs="$WORK_DIR/rootfs"
  mkdir -p "$rootfs"
  tar -C "$rootfs" --numeric-owner -xf "$tarball"
  # This machine's Node and npm, laid out as in the official image (/usr/local/bin, /usr/local/lib/node_modules).
  npm_cli="$(readlink -f "$(command -v npm)")"
  npm_dir="$(cd "$(dirname "$npm_cli")/.." && pwd)"
  [ -f "$npm_dir/package.json" ] || die "cannot locate npm's package dir from $npm_cli"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/etc"
  cp "$NODE_BIN" "$rootfs/usr/local/bin/node"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # npm settings that make the registry reachable from here (a CA bundle, e.g.) go along into the image.
  globalrc="$(npm config get globalconfig 2>/dev/null || true)"
  cafile="$(npm config get cafile 2>/dev/null || true)"
  : >"$rootfs/usr/local/etc/npmrc"
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -f "$cafile" ]; then
    mkdir -p "$rootfs$(dirname "$cafile")"
    cp "$cafile" "$rootfs$cafile"
    echo "cafile=$cafile" >>"$rootfs/usr/local/etc/npmrc"
  fi
  [ -n "$globalrc" ] && log "host npm global config $globalrc (cafile: ${cafile:-none}) carried into the base image"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    mkdir -p "$rootfs$(dirname "$NODE_EXTRA_CA_CERTS")"
    cp "$NODE_EXTRA_CA_CERTS" "$rootfs$NODE_EXTRA_CA_CERTS"
    changes+=(--change "ENV NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS")
  fi

  log "docker import -> $BASE_IMAGE (Debian $codename minbase + node $NODE_VERSION)"
  tar -C "$rootfs" --numeric-owner -c . | dk import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
    --change "LABEL $BASE_LABEL=$NODE_VERSION" \
    "${changes[@]}" \
    --change 'CMD ["node"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$WORK_DIR"
  WORK_DIR=""
}

if [ "${CPG_REBUILD_BASE:-0}" = 1 ] || ! dk image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  build_base_image
else
  # Rebuild our own base image when this machine's node changed; an image without our label is kept as is.
  base_label="$(dk image inspect --format "{{with .Config.Labels}}{{index . \"$BASE_LABEL\"}}{{end}}" "$BASE_IMAGE")"
  if [ -n "$base_label" ] && [ "$base_label" != "<no value>" ] && [ "$base_label" != "$NODE_VERSION" ]; then
    log "base image has node $base_label, this machine $NODE_VERSION: rebuilding it"
    build_base_image
  else
    log "base image $BASE_IMAGE already present"
  fi
fi
base_node="$(dk run --rm --network host "$BASE_IMAGE" sh -c 'node -v && npm -v' 2>&1 | tr '\n' ' ')" ||
  die "base image cannot run node/npm: $base_node"
log "base image runs node/npm: $base_node"

# ------------------------------------------------------------------------------------------ build
build_args=(--build-arg "NODE_IMAGE=$BASE_IMAGE")
registry="$(npm config get registry 2>/dev/null || true)"
if [ -n "$registry" ]; then build_args+=(--build-arg "NPM_CONFIG_REGISTRY=$registry"); fi
for v in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!v:-}" ]; then build_args+=(--build-arg "$v=${!v}"); fi
done
log "docker build -t $IMAGE (registry ${registry:-default}, --network host)"
BUILD_START=$(date +%s)
if dk build --network host --force-rm -t "$IMAGE" "${build_args[@]}" "$ROOT" >"$RUN_DIR/build.log" 2>&1; then
  pass "docker build ($(($(date +%s) - BUILD_START))s)"
else
  echo "---- docker build: error lines ----"
  grep -n -m 20 -iE 'npm error code|npm error [^ ]|error TS|error:|returned a non-zero code' "$RUN_DIR/build.log" || true
  echo "---- docker build: last 25 lines ----"
  tail -n 25 "$RUN_DIR/build.log"
  cp "$RUN_DIR/build.log" "$CACHE_DIR/last-build.log" 2>/dev/null || true
  die "docker build (full log: $CACHE_DIR/last-build.log)"
fi

# ------------------------------------------------------------------------------------------ image config
inspect() { dk image inspect --format "$1" "$IMAGE"; }
image_user="$(inspect '{{.Config.User}}')"
image_uid="${image_user%%:*}"
check "image User is set and not root (User=$image_user)" \
  test -n "$image_uid" -a "$image_uid" != 0 -a "$image_uid" != root
check "image has a HEALTHCHECK ($(inspect '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' | cut -c1-60)...)" \
  test -n "$(inspect '{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}')"
# shellcheck disable=SC2016 # Go templates, not shell
image_misc="$(inspect '{{range $k, $v := .Config.ExposedPorts}}{{$k}} {{end}}|{{range .Config.Env}}{{.}} {{end}}|{{range $k, $v := .Config.Volumes}}{{$k}} {{end}}')"
check "image exposes 3000/tcp, sets NODE_ENV=production, declares VOLUME /config" \
  grep -Eq '3000/tcp.*\|.*NODE_ENV=production .*\|.*/config ' <<<"$image_misc"

# ------------------------------------------------------------------------------------------ run
# A free TCP port on 127.0.0.1 (the host network the containers share).
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"; }
PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
log "docker run $IMAGE on host port $PORT"
dk run -d --name "$CNAME" --init --network host -e PORT="$PORT" "$IMAGE" >/dev/null || die "docker run"
CONTAINER_STARTED=1

# http METHOD PATH [JSON]: prints "<status> <body>" (node's fetch; the host needs no curl).
http() {
  node -e '
    const [method, url, body] = process.argv.slice(1);
    fetch(url, { method, headers: body ? { "content-type": "application/json" } : {}, body: body || undefined,
      signal: AbortSignal.timeout(5000) })
      .then(async (r) => console.log(r.status + " " + (await r.text()).replace(/\n/g, "\\n")))
      .catch((e) => { console.log("000 " + (e.cause?.code || e.message)); });
  ' "$1" "$BASE_URL$2" "${3:-}"
}

healthz=""
for _ in $(seq 1 60); do
  healthz="$(http GET /healthz)"
  case "$healthz" in 200*) break ;; esac
  [ "$(dk inspect --format '{{.State.Running}}' "$CNAME" 2>/dev/null)" = true ] || break
  sleep 0.5
done
if [[ "$healthz" =~ ^200\ .*\"status\":\ ?\"ok\" ]]; then
  pass "GET /healthz -> $healthz"
else
  die "GET /healthz -> ${healthz:-no answer} (container running: $(dk inspect --format '{{.State.Status}}' "$CNAME" 2>&1))"
fi

# decision_of JSON_RESPONSE: the "decision" field of a "<status> <json>" line, or "status <n>" if not 200.
decision_of() {
  node -e '
    const line = process.argv[1]; const i = line.indexOf(" ");
    const status = line.slice(0, i);
    if (status !== "200") { console.log("status " + status); process.exit(0); }
    try { console.log(JSON.parse(line.slice(i + 1)).decision); } catch { console.log("unparseable"); }
  ' "$1"
}

HOLD_ORDER='{"orderId":"ord_docker_hold","currency":"IDR","lines":[{"sku":"A","quantity":1,"unitPrice":4700000,"discount":4700000}],"total":0}'
ALLOW_ORDER='{"orderId":"ord_docker_allow","currency":"IDR","lines":[{"sku":"A","quantity":1,"unitPrice":4700000,"discount":0}],"total":4700000}'
resp="$(http POST /v1/evaluate "$HOLD_ORDER")"
d="$(decision_of "$resp")"
check "POST /v1/evaluate zero-total order -> decision \"$d\" (want hold)" test "$d" = hold
[ "$d" = hold ] || echo "     response: ${resp:0:400}"
resp="$(http POST /v1/evaluate "$ALLOW_ORDER")"
d="$(decision_of "$resp")"
check "POST /v1/evaluate normal order -> decision \"$d\" (want allow)" test "$d" = allow
[ "$d" = allow ] || echo "     response: ${resp:0:400}"

metrics="$(http GET /metrics)"
check "GET /metrics -> 200 Prometheus text ($(printf '%s' "$metrics" | grep -o '# TYPE' | wc -l) metric families)" \
  test "${metrics:0:4}" = "200 " -a -n "$(printf '%s' "$metrics" | grep -o '# TYPE' | head -n 1)"

# The compose file's demo traffic generator, run from the image for 2 s (about 200 orders on loopback).
# shellcheck disable=SC2015 # "|| true" only covers a missing yaml module
traffic_js="$(cd "$ROOT" && node -e '
  const y = require("yaml"); const fs = require("fs");
  const c = y.parse(fs.readFileSync("docker-compose.yml", "utf8"));
  process.stdout.write(String(c.services.traffic.command[0]));' 2>/dev/null || true)"
if [ -n "$traffic_js" ]; then
  traffic_out="$(dk run --rm --network host -e TARGET="$BASE_URL/v1/evaluate" -e TRAFFIC_SECONDS=2 \
    -e TRAFFIC_INTERVAL_MS=10 --entrypoint node "$IMAGE" -e "$traffic_js" 2>&1 || echo "exit code $?")"
  check "docker-compose.yml traffic generator runs against the container ($(grep -c 'last: 200' <<<"$traffic_out") x 'sent N orders, last: 200')" \
    grep -q 'last: 200 ' <<<"$traffic_out"
  grep -q 'last: 200 ' <<<"$traffic_out" || echo "     output: ${traffic_out:0:400}"
else
  log "skipped the compose traffic generator check (docker-compose.yml or node_modules/yaml not available)"
fi

uid_in="$(dk exec "$CNAME" id -u 2>&1 || true)"
check "process in the container runs as uid $uid_in (not 0)" test -n "$uid_in" -a "$uid_in" != 0
# shellcheck disable=SC2016 # expanded inside the container
check "runtime image has production deps only (no typescript/jest, no src/)" \
  dk exec "$CNAME" sh -c 'test -d node_modules/express && ! test -e node_modules/typescript && ! test -e node_modules/jest && ! test -e src'

health=""
for _ in $(seq 1 90); do
  health="$(dk inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$CNAME" 2>/dev/null || true)"
  [ "$health" = healthy ] || [ "$health" = unhealthy ] && break
  sleep 1
done
check "docker health status becomes healthy (got ${health:-none})" test "$health" = healthy
if [ "$health" != healthy ]; then dk inspect --format '{{json .State.Health}}' "$CNAME" 2>/dev/null | cut -c1-600; fi

stop_start=$(date +%s)
dk stop -t 10 "$CNAME" >/dev/null
stop_secs=$(($(date +%s) - stop_start))
exit_code="$(dk inspect --format '{{.State.ExitCode}}' "$CNAME")"
check "docker stop -> exited in ${stop_secs}s with code $exit_code (graceful: <10s, code 0 or 143)" \
  test "$stop_secs" -lt 10 -a \( "$exit_code" = 0 -o "$exit_code" = 143 \)

# The /config volume: a config file mounted read-only and named by PRICE_GUARD_CONFIG is read by uid 10001;
# a broken one stops the container instead of serving with defaults.
mkdir -p "$RUN_DIR/config" "$RUN_DIR/badconfig"
printf 'service:\n  logLevel: info\npolicy:\n  mode: enforce\n' >"$RUN_DIR/config/price-guard.yaml"
printf 'service:\n  port: "not a port"\n  noSuchKey: 1\n' >"$RUN_DIR/badconfig/price-guard.yaml"
chmod 0755 "$RUN_DIR/config" "$RUN_DIR/badconfig"
chmod 0644 "$RUN_DIR/config/price-guard.yaml" "$RUN_DIR/badconfig/price-guard.yaml"
PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
dk run -d --name "$CNAME-config" --init --network host -e PORT="$PORT" \
  -v "$RUN_DIR/config:/config:ro" -e PRICE_GUARD_CONFIG=/config/price-guard.yaml "$IMAGE" >/dev/null
healthz=""
for _ in $(seq 1 60); do
  healthz="$(http GET /healthz)"
  case "$healthz" in 200*) break ;; esac
  [ "$(dk inspect --format '{{.State.Running}}' "$CNAME-config" 2>/dev/null)" = true ] || break
  sleep 0.5
done
d="$(decision_of "$(http POST /v1/evaluate "$HOLD_ORDER")")"
config_logged="$(dk logs "$CNAME-config" 2>&1 | grep -c '/config/price-guard.yaml' || true)"
check "PRICE_GUARD_CONFIG=/config/price-guard.yaml (read-only volume) is loaded: healthz ${healthz:0:3}, decision $d, named in ${config_logged} log line(s)" \
  test "${healthz:0:3}" = 200 -a "$d" = hold -a "$config_logged" -gt 0
[ "${healthz:0:3}" = 200 ] || dk logs --tail 20 "$CNAME-config" 2>&1 | sed 's/^/     /'
dk rm -f "$CNAME-config" >/dev/null

dk run -d --name "$CNAME-badconfig" --init --network host -e PORT="$PORT" \
  -v "$RUN_DIR/badconfig:/config:ro" -e PRICE_GUARD_CONFIG=/config/price-guard.yaml "$IMAGE" >/dev/null
bad_state=running
for _ in $(seq 1 40); do
  bad_state="$(dk inspect --format '{{.State.Status}}' "$CNAME-badconfig" 2>/dev/null || echo gone)"
  [ "$bad_state" = running ] || [ "$bad_state" = created ] || break
  sleep 0.5
done
bad_code="$(dk inspect --format '{{.State.ExitCode}}' "$CNAME-badconfig" 2>/dev/null || echo '?')"
bad_reason="$(dk logs "$CNAME-badconfig" 2>&1 | grep -m 1 -o 'service.port[^"]*' || true)"
check "an invalid config file stops the container (status $bad_state, exit code $bad_code${bad_reason:+, names ${bad_reason:0:60}})" \
  test "$bad_state" = exited -a "$bad_code" != 0
dk rm -f "$CNAME-badconfig" >/dev/null

# REDIS_URL: the image's Redis store (ioredis) against a redis-server of this run's own on a free port (never a
# Redis somebody else runs on this machine), reached through host networking, and the keys it writes there.
REDIS_PORT="$(free_port)"
PORT="$(free_port)"
mkdir -p "$RUN_DIR/redis"
# setpriv (util-linux): the server dies with this script, even when the script is killed outright.
pdeath=()
if command -v setpriv >/dev/null 2>&1; then pdeath=(setpriv --pdeathsig KILL --); fi
"${pdeath[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" --save "" \
  --appendonly no --logfile "$RUN_DIR/redis/redis.log" &
REDIS_PID=$!
rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
for _ in $(seq 1 100); do
  [ "$(rcli ping 2>/dev/null)" = PONG ] && break
  kill -0 "$REDIS_PID" 2>/dev/null || break
  sleep 0.1
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || { tail -n 5 "$RUN_DIR/redis/redis.log"; die "redis-server did not start on port $REDIS_PORT"; }
REDIS_PREFIX="cpg-docker-test"
dk run -d --name "$CNAME-redis" --init --network host -e PORT="$PORT" \
  -e REDIS_URL="redis://127.0.0.1:$REDIS_PORT" -e REDIS_PREFIX="$REDIS_PREFIX" "$IMAGE" >/dev/null
BASE_URL="http://127.0.0.1:$PORT"
healthz=""
for _ in $(seq 1 60); do
  healthz="$(http GET /healthz)"
  case "$healthz" in 200*) break ;; esac
  [ "$(dk inspect --format '{{.State.Running}}' "$CNAME-redis" 2>/dev/null)" = true ] || break
  sleep 0.5
done
d="$(decision_of "$(http POST /v1/evaluate "$HOLD_ORDER")")"
dk stop -t 10 "$CNAME-redis" >/dev/null 2>&1 || true
redis_store="$(dk logs "$CNAME-redis" 2>&1 | grep -c 'RedisStore' || true)"
redis_keys="$(rcli --scan --pattern "*$REDIS_PREFIX:*" 2>/dev/null | wc -l)"
check "REDIS_URL=redis://127.0.0.1:$REDIS_PORT (its own redis-server): healthz ${healthz:0:3}, decision $d, RedisStore in the log, $redis_keys keys written" \
  test "${healthz:0:3}" = 200 -a "$d" = hold -a "$redis_store" -gt 0 -a "$redis_keys" -gt 0
[ "$d" = hold ] || dk logs --tail 20 "$CNAME-redis" 2>&1 | sed 's/^/     /'
dk rm -f "$CNAME-redis" >/dev/null
kill -TERM "$REDIS_PID" 2>/dev/null || true
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=""

size_bytes="$(inspect '{{.Size}}')"
base_bytes="$(dk image inspect --format '{{.Size}}' "$BASE_IMAGE")"
log "image $IMAGE: $((size_bytes / 1000000)) MB (base $BASE_IMAGE: $((base_bytes / 1000000)) MB, app layers: $(((size_bytes - base_bytes) / 1000000)) MB)"

[ "$FAILED" -eq 0 ] || exit 1
exit 0
