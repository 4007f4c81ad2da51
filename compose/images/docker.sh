#!/usr/bin/env bash
# A project-local Docker Engine, so the compose cluster needs no system daemon:
#   docker.sh start            start dockerd (once; a second start reuses the running one)
#   docker.sh stop             stop it, its containers with it, and unmount what it mounted
#   docker.sh status           exit 0 while it answers
#   docker.sh docker ARGS...   run the docker CLI against it (e.g. `docker.sh docker compose ps`)
# The daemon's data root (the image and build cache, kept between runs) is .engines/docker/data;
# its exec root, pid file and socket live in a temporary folder named in .engines/docker/run.
# Flags for machines without bridges or iptables (containers then share the host network):
# --iptables=false --bridge=none; SIGMA_DOCKER_BRIDGE=1 at start keeps bridges. The compose
# plugin is .engines/docker/config/cli-plugins (scripts/install-engines.sh builds it);
# DOCKER_CONFIG points the CLI at it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HOME_DIR="${SIGMA_DOCKER_DIR:-$ROOT/.engines/docker}"
RUN_FILE="$HOME_DIR/run"
export DOCKER_CONFIG="$HOME_DIR/config"

run_dir() { [ -f "$RUN_FILE" ] && cat "$RUN_FILE"; }

point_cli() {
  local dir
  dir="$(run_dir)" || { echo "docker.sh: dockerd is not running (docker.sh start)" >&2; exit 1; }
  export DOCKER_HOST="unix://$dir/docker.sock"
}

answers() {
  local dir
  dir="$(run_dir)" || return 1
  DOCKER_HOST="unix://$dir/docker.sock" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start() {
  if answers; then
    echo "dockerd: running ($(run_dir))"
    return
  fi
  command -v dockerd >/dev/null || { echo "dockerd: not installed (make engines)" >&2; exit 1; }
  [ "$(id -u)" -eq 0 ] || { echo "dockerd: needs root" >&2; exit 1; }
  local dir
  dir="$(mktemp -d /tmp/sigma-docker-XXXX)"
  # SIGMA_DOCKER_BRIDGE=1 keeps Docker's bridge networks (never its iptables rules); the
  # docker0 bridge it makes goes again at stop.
  local BRIDGE=(--bridge=none)
  if [ "${SIGMA_DOCKER_BRIDGE:-0}" = 1 ]; then
    BRIDGE=()
    touch "$dir/bridge"
  fi
  mkdir -p "$HOME_DIR/data" "$DOCKER_CONFIG"
  echo "$dir" >"$RUN_FILE"
  setsid dockerd --data-root "$HOME_DIR/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    --host "unix://$dir/docker.sock" --iptables=false "${BRIDGE[@]}" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 150); do
    answers && { echo "dockerd: started ($dir)"; return; }
    kill -0 $! 2>/dev/null || break
    sleep 0.2
  done
  tail -n 20 "$dir/dockerd.log" >&2
  echo "dockerd: did not start" >&2
  exit 1
}

stop() {
  local dir pid
  dir="$(run_dir)" || { echo "dockerd: not running"; return; }
  if [ -f "$dir/docker.pid" ]; then
    pid="$(cat "$dir/docker.pid")"
    DOCKER_HOST="unix://$dir/docker.sock" docker ps -q | xargs -r env \
      DOCKER_HOST="unix://$dir/docker.sock" docker stop -t 5 >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  # What the daemon mounted and left (it does when killed): deepest first.
  { grep -oE " ($dir|$HOME_DIR/data)[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
  [ ! -f "$dir/bridge" ] || ip link delete docker0 2>/dev/null || true
  rm -rf "$dir" "$RUN_FILE"
  echo "dockerd: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  docker) shift; point_cli; exec docker "$@" ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
