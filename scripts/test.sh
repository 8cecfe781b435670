#!/usr/bin/env bash
# The one test command (`npm test`), locally and in CI: install what the tests need (idempotent,
# cached), build, then run every vitest project: unit/integration and e2e on a real control plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d node_modules ] || npm ci --no-audit --no-fund
bash test/cluster/setup.sh
node scripts/build.mjs
exec npx vitest run "$@"
