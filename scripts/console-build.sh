#!/usr/bin/env bash
# Build the staff console (console/dist), installing its own dependencies first when they are missing or stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../console"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
