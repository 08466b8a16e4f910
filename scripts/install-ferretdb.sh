#!/usr/bin/env bash
# Install FerretDB 1.24.2 (a MongoDB-compatible server in Go) into .tools/bin for tests and the embedded
# default. Skipped when already present. Needs Go and the Go module proxy.
#
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start
# ("Invalid build/version/version.txt") because the module omits that generated file, so we fetch the same
# module with `go mod download`, add the version file, and build it.
set -euo pipefail
VERSION=v1.24.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${FERRETDB_INSTALL_DIR:-$ROOT/.tools/bin}"
BIN="$DEST/ferretdb"

# (Output is captured, not piped into grep/head: with pipefail an early-closing reader fails the script.)
if [ -x "$BIN" ] && [[ "$("$BIN" --version 2>/dev/null || true)" == *"version: $VERSION"* ]]; then
  echo "ferretdb $VERSION already installed at $BIN"
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to install FerretDB (https://go.dev/dl/)" >&2; exit 1; }

mkdir -p "$DEST"
SRC_DIR="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$SRC_DIR" ] || { echo "could not download FerretDB $VERSION" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -R "$SRC_DIR/." "$WORK/"
chmod -R u+w "$WORK"
echo "$VERSION" > "$WORK/build/version/version.txt"
(cd "$WORK" && CGO_ENABLED=0 go build -trimpath -o "$BIN" ./cmd/ferretdb)
installed="$("$BIN" --version)"
echo "installed $BIN (${installed%%$'\n'*})"
