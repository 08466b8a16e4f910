#!/usr/bin/env bash
# Before `npm start` / `npm test`: make sure some MongoDB-protocol server can be had. Nothing to do when
# MONGODB_URI is set or a mongod exists; otherwise install FerretDB (needs Go) unless already installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${MONGODB_URI:-}" ] || [ -n "${MONGOMS_SYSTEM_BINARY:-}" ] || command -v mongod >/dev/null 2>&1; then exit 0; fi
if [ -n "${FERRETDB_BIN:-}" ]; then exit 0; fi
# Our build in .tools/bin is preferred; the install script keeps it when its patches are current and rebuilds it
# when they changed (a quick check of `ferretdb --version`).
if [ -x "$ROOT/.tools/bin/ferretdb" ] && ! command -v go >/dev/null 2>&1; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  if command -v ferretdb >/dev/null 2>&1; then exit 0; fi
  echo "note: no MONGODB_URI, no mongod and no Go to build FerretDB; mongodb-memory-server will try to download a mongod." >&2
  exit 0
fi
bash "$ROOT/scripts/install-ferretdb.sh"
