#!/usr/bin/env bash
# Copies the Kubernetes CRI's api.proto, unchanged, from the pinned k8s.io/cri-api module (the Go
# module proxy serves it) into protos/sigma/cri/v1, and records its origin and checksum in SOURCE
# next to it (tests/unit/test_protos_drift.py checks the checksum). Then `make protos` regenerates
# libs/sigma/cri/v1. The folder mirrors the Python package; the proto keeps `package runtime.v1`,
# so the wire names stay /runtime.v1.RuntimeService/... as every CRI runtime serves them.
# To move to another version: change VERSION, run this, run `make protos`, run the CRI tests.
set -euo pipefail

VERSION=v0.37.2
MODULE=k8s.io/cri-api
UPSTREAM=pkg/apis/runtime/v1/api.proto
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/protos/sigma/cri/v1"

command -v go >/dev/null 2>&1 || { echo "vendor-cri-api: go is required" >&2; exit 2; }
dir="$(cd "$(mktemp -d)" && go mod download -json "$MODULE@$VERSION" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
mkdir -p "$DEST"
install -m 0644 "$dir/$UPSTREAM" "$DEST/api.proto"
cat >"$DEST/SOURCE" <<SOURCE
module: $MODULE $VERSION
file: $UPSTREAM (copied unchanged by scripts/vendor-cri-api.sh)
sha256: $(sha256sum "$DEST/api.proto" | cut -d' ' -f1)
licence: Apache-2.0 (the file's header; the module's LICENSE)
SOURCE
echo "vendored $MODULE $VERSION $UPSTREAM into ${DEST#"$ROOT"/}"
