#!/usr/bin/env bash
# Before `npm start` / `npm test`: make sure some MongoDB-protocol server can be had. Nothing to do when
# MONGODB_URI is set or a mongod exists; otherwise install FerretDB (needs Go) unless already installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${MONGODB_URI:-}" ] || [ -n "${MONGOMS_SYSTEM_BINARY:-}" ] || command -v mongod >/dev/null 2>&1; then exit 0; fi
if [ -n "${FERRETDB_BIN:-}" ] || command -v ferretdb >/dev/null 2>&1 || [ -x "$ROOT/.tools/bin/ferretdb" ]; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "note: no MONGODB_URI, no mongod and no Go to build FerretDB; mongodb-memory-server will try to download a mongod." >&2
  exit 0
fi
bash "$ROOT/scripts/install-ferretdb.sh"
