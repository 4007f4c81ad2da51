#!/usr/bin/env bash
# Builds the compose cluster's images with no image registry: the base file systems come from
# Debian's own packages (mmdebstrap), Kafka's jars from Maven Central (make engines), the tiers
# from PyPI with the pinned constraints. Images, tagged as compose/images/local.env names them:
#   sigma-local/python:3.11    Debian bookworm's Python 3.11 and the C++ runtime grpcio needs
#   sigma-local/etcd:3.4       Debian's etcd-server and etcd-client
#   sigma-local/kafka:<ver>    Debian's Java 17 runtime + the jars of engines/kafka/pom.xml
#   sigma-py:dev               compose/Dockerfile over sigma-local/python:3.11
# A base is rebuilt only when its package list changes (a label holds its hash), and the other
# two images use Docker's build cache: a second run takes seconds. Runs against the daemon
# compose/images/docker.sh starts; SOURCE_DATE_EPOCH makes the base file systems reproducible.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DOCKER=("$HERE/docker.sh" docker)
# shellcheck source=local.env
source "$HERE/local.env"
SUITE=bookworm
MIRRORS=(
  "deb http://deb.debian.org/debian $SUITE main"
  "deb http://deb.debian.org/debian $SUITE-updates main"
  "deb http://deb.debian.org/debian-security $SUITE-security main"
)
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/engines/kafka/pom.xml")"
KAFKA_LIBS="$ROOT/.engines/kafka-$KAFKA_VERSION/libs"

# The certificate authorities this host adds to Debian's (/usr/local/share/ca-certificates, as
# behind a TLS-inspecting proxy): the Python base trusts them too, so pip reaches PyPI from it.
LOCAL_CAS=/usr/local/share/ca-certificates
TRUST_LOCAL_CAS=(
  --customize-hook="mkdir -p \"\$1$LOCAL_CAS\" && cp -a $LOCAL_CAS/. \"\$1$LOCAL_CAS\" 2>/dev/null || true"
  --customize-hook='chroot "$1" update-ca-certificates --fresh >/dev/null'
)

# base TAG PACKAGES CMD [MMDEBSTRAP-OPTIONS]: a Debian root file system with PACKAGES, as TAG.
base() {
  local tag="$1" packages="$2" cmd="$3" want have tar
  shift 3
  want="$(printf '%s\n' "$SUITE" "$packages" "$cmd" "${MIRRORS[@]}" "$@" \
    | cat - "$LOCAL_CAS"/* 2>/dev/null | sha256sum | cut -c1-16)"
  have="$("${DOCKER[@]}" image inspect -f '{{index .Config.Labels "sigma.base"}}' "$tag" 2>/dev/null || true)"
  if [ "$have" = "$want" ]; then
    echo "$tag: up to date"
    return
  fi
  echo "$tag: mmdebstrap $SUITE with $packages"
  tar="$(mktemp /tmp/sigma-base-XXXX.tar)"
  # The essential set plus PACKAGES, without documentation, manuals and translations (the
  # man1 folder stays: Java's postinst links its manuals there).
  if ! mmdebstrap --variant=essential --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --essential-hook='mkdir -p "$1"/usr/share/man/man1' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' "$@" \
    "$SUITE" "$tar" "${MIRRORS[@]}" >"$tar.log" 2>&1; then
    tail -n 30 "$tar.log" >&2
    rm -f "$tar" "$tar.log"
    exit 1
  fi
  # pip and requests read the system's store, the local authorities included.
  "${DOCKER[@]}" import --change "LABEL sigma.base=$want" --change "CMD $cmd" \
    --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt" "$tar" "$tag" >/dev/null
  rm -f "$tar" "$tar.log"
  echo "$tag: imported ($("${DOCKER[@]}" image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
}

kafka() {
  [ -d "$KAFKA_LIBS" ] || { echo "kafka: $KAFKA_LIBS is missing; run make engines" >&2; exit 1; }
  local context
  context="$(mktemp -d /tmp/sigma-kafka-context-XXXX)"
  cp -al "$KAFKA_LIBS" "$context/libs" 2>/dev/null || cp -a "$KAFKA_LIBS" "$context/libs"
  cp "$HERE/kafka-run.sh" "$context/"
  "${DOCKER[@]}" build --quiet --force-rm --network host --build-arg "BASE=$SIGMA_JAVA_BASE" \
    -f "$HERE/kafka.Dockerfile" -t "$SIGMA_KAFKA_IMAGE" "$context" >/dev/null
  rm -rf "$context"
  echo "$SIGMA_KAFKA_IMAGE: built"
}

tiers() {
  "${DOCKER[@]}" build --quiet --force-rm --network host --build-arg "BASE=$SIGMA_PYTHON_BASE" \
    -f "$ROOT/compose/Dockerfile" -t sigma-py:dev "$ROOT" >/dev/null
  echo "sigma-py:dev: built"
}

command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed (make engines)" >&2; exit 1; }
base "$SIGMA_PYTHON_BASE" python3,python3-venv,ca-certificates,libstdc++6 '["python3"]' "${TRUST_LOCAL_CAS[@]}"
base "$SIGMA_ETCD_IMAGE" etcd-server,etcd-client '["etcd"]'
base "$SIGMA_JAVA_BASE" openjdk-17-jre-headless '["java","-version"]'
kafka
tiers
"${DOCKER[@]}" image prune --force >/dev/null  # the images a rebuild replaced
