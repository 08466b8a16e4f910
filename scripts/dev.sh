#!/usr/bin/env bash
# `npm run dev`: the service in watch mode (http://localhost:3000) and the console with hot reload
# (http://localhost:5173/admin/, API calls proxied to the service). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f console/node_modules/.package-lock.json ] || npm ci --prefix console --no-audit --no-fund
trap 'kill 0' EXIT
npx tsx watch src/main.ts &
npm run dev --prefix console -- --host 127.0.0.1
