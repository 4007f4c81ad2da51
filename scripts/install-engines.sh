#!/usr/bin/env bash
# Installs the real engines Sigma runs against: etcd (Debian's etcd-server), an Apache Kafka
# broker resolved from Maven Central into .engines/kafka-<version>/libs (KRaft mode, no ZooKeeper),
# and the container stack from Debian: containerd and runc (the CRI runtime), docker-registry (the
# loopback image registry), skopeo (pushes the built images), busybox-static (what the demo
# images are made of), wrk (the load generator) and, when none is on PATH, kubectl; for the compose
# cluster, Docker Engine (docker.io), mmdebstrap (its base images) and the Compose CLI plugin, built
# with Go.
# Idempotent: a second run downloads nothing and reports what is already there.
# The Kafka version lives in one place, engines/kafka/pom.xml (<kafka.version>).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/engines/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
KAFKA_HOME="$ROOT/.engines/kafka-$KAFKA_VERSION"
MARKER="$KAFKA_HOME/.installed"  # holds the pom's checksum: editing the pom reinstalls

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages. busybox-static rather than busybox: the demo images need a static binary.
DEBIAN_PACKAGES=(etcd-server containerd runc docker-registry skopeo busybox-static wrk docker.io mmdebstrap)
# kubectl (the Kubernetes API's tests drive the real one): Debian's kubernetes-client when none
# is on PATH yet.
command -v kubectl >/dev/null 2>&1 || DEBIAN_PACKAGES+=(kubernetes-client)
# The Compose CLI (v2 line, Go module major version 5), a plugin of the project's docker CLI.
COMPOSE_VERSION=v5.6.0
COMPOSE_PLUGIN="$ROOT/.engines/docker/config/cli-plugins/docker-compose"

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

install_debian() {
  local package missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    if installed "$package"; then
      echo "$package: already installed"
    else
      missing+=("$package")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return
  echo "installing Debian's ${missing[*]}"
  # Refresh the package index only when apt does not know a package yet.
  for package in "${missing[@]}"; do
    if ! apt-cache show "$package" >/dev/null 2>&1; then
      as_root apt-get update
      break
    fi
  done
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

install_kafka() {
  local want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$want" ]; then
    echo "kafka: $KAFKA_VERSION already installed in $KAFKA_HOME ($(ls "$KAFKA_HOME/libs" | wc -l) jars)"
    return
  fi
  command -v mvn >/dev/null 2>&1 || { echo "kafka: mvn is required (apt-get install maven)" >&2; exit 1; }
  command -v java >/dev/null 2>&1 || { echo "kafka: java 17+ is required" >&2; exit 1; }
  echo "kafka: resolving $KAFKA_VERSION from Maven Central"
  rm -rf "$KAFKA_HOME/libs"
  mkdir -p "$KAFKA_HOME/libs"
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
  # Smoke-check the class path by running the storage tool (kafka.Kafka lives in the same jar)
  # before marking the install done.
  java -Dlog4j.configuration="file:$ROOT/engines/kafka/log4j.properties" -Dkafka.logs.dir="${TMPDIR:-/tmp}" \
    -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool random-uuid >/dev/null
  echo "$want" >"$MARKER"
  echo "kafka: installed $(ls "$KAFKA_HOME/libs" | wc -l) jars into $KAFKA_HOME/libs"
}

install_compose() {
  if [ -x "$COMPOSE_PLUGIN" ] && "$COMPOSE_PLUGIN" version | grep -q "$COMPOSE_VERSION"; then
    echo "docker compose: $COMPOSE_VERSION already installed"
    return
  fi
  command -v go >/dev/null 2>&1 || { echo "docker compose: go is required" >&2; exit 1; }
  echo "docker compose: building $COMPOSE_VERSION from the Go module proxy"
  local module="github.com/docker/compose/v5" dir
  dir="$(go mod download -json "$module@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  mkdir -p "$(dirname "$COMPOSE_PLUGIN")"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -o "$COMPOSE_PLUGIN" \
    -ldflags "-s -w -X $module/internal.Version=$COMPOSE_VERSION" ./cmd)
}

install_debian
install_kafka
install_compose

echo "--- versions"
etcd --version 2>/dev/null | head -n2 || echo "etcd: not found"
echo "kafka: $(ls "$KAFKA_HOME/libs" | sed -n 's/^kafka_2\.13-\(.*\)\.jar$/kafka_2.13 \1/p')"
java -version 2>&1 | head -n1
containerd --version
runc --version | head -n1
kubectl version --client 2>/dev/null | head -n1 || echo "kubectl: not found"
dockerd --version
"$COMPOSE_PLUGIN" version
