#!/usr/bin/env bash
# Build (or with `typecheck`, type-check) the staff console, installing its own dependencies first when they are
# missing or older than console/package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../console"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run "${1:-build}"
