#!/usr/bin/env bash
# Install our build of FerretDB 1.24.2 (a MongoDB-compatible server in Go) into .tools/bin for tests and the
# embedded default. Needs Go and the Go module proxy.
#
# The build carries the patches in scripts/ferretdb/*.patch (each says what it changes and why) and is stamped
# with their digest as its package (`ferretdb --version` prints `package: zdhealth-<digest>`). A binary already
# installed with the same stamp is kept; any other (stock, or built with other patches) is rebuilt.
#
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start
# ("Invalid build/version/version.txt") because the module omits that generated file, so we fetch the same
# module with `go mod download`, add the version file, apply our patches, and build it.
#
#   FERRETDB_INSTALL_DIR=dir   install there instead of .tools/bin
#   FERRETDB_STOCK=1           build FerretDB as released, without our patches (for comparisons: npm run bench scale)
set -euo pipefail
VERSION=v1.24.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${FERRETDB_INSTALL_DIR:-$ROOT/.tools/bin}"
BIN="$DEST/ferretdb"

PATCHES=()
if [ "${FERRETDB_STOCK:-}" != "1" ]; then
  shopt -s nullglob
  PATCHES=("$ROOT"/scripts/ferretdb/*.patch)
  shopt -u nullglob
fi
if [ ${#PATCHES[@]} -gt 0 ]; then
  STAMP="zdhealth-$(cat "${PATCHES[@]}" | sha256sum | cut -c1-12)"
else
  STAMP="unknown"
fi

# (Output is captured, not piped into grep/head: with pipefail an early-closing reader fails the script.)
if [ -x "$BIN" ]; then
  current="$("$BIN" --version 2>/dev/null || true)"
  if [[ "$current" == *"version: $VERSION"* && "$current" == *"package: $STAMP"* ]]; then
    echo "ferretdb $VERSION ($STAMP) already installed at $BIN"
    exit 0
  fi
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
echo "$STAMP" > "$WORK/build/version/package.txt"
for patch in "${PATCHES[@]}"; do
  git -C "$WORK" apply -p1 "$patch" || { echo "patch $(basename "$patch") does not apply to FerretDB $VERSION" >&2; exit 1; }
  echo "applied $(basename "$patch")"
done
# Built beside the destination, then renamed over it: a running server keeps its old file.
(cd "$WORK" && CGO_ENABLED=0 go build -trimpath -o "$BIN.new" ./cmd/ferretdb)
mv -f "$BIN.new" "$BIN"
installed="$("$BIN" --version)"
echo "installed $BIN (${installed%%$'\n'*}, package: $STAMP)"
