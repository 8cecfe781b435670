#!/usr/bin/env bash
# The one test command (`npm test`), locally and in CI: install what the tests need (idempotent,
# cached), build, then run every vitest project: unit/integration and e2e on a real control plane.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -d node_modules ] || npm ci --no-audit --no-fund
# setup.sh prints KPUSH_CLUSTER_BIN=…, KPUSH_HELM_BIN=…, KPUSH_KUBECTL_BIN=…, KPUSH_K8S_VERSION=…;
# the e2e global setup uses them as they are instead of running setup again.
setup_output=$(bash test/cluster/setup.sh)
while IFS='=' read -r key value; do
  if [[ $key == KPUSH_* ]]; then export "$key=$value"; fi
done <<<"$setup_output"
node scripts/build.mjs
exec npx vitest run "$@"
