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
# test/gitea/setup.sh builds (once, cached) the Gitea the `forge` project runs against and prints
# KPUSH_GITEA_BIN=…, KPUSH_GITEA_STATIC=….
setup_output+=$'\n'$(bash test/gitea/setup.sh)
while IFS='=' read -r key value; do
  if [[ $key == KPUSH_* ]]; then export "$key=$value"; fi
done <<<"$setup_output"
node scripts/build.mjs
# vitest's own summary is for people; the last line is the plain `N passed, N failed` that CI reads.
report=.cache/vitest-report.json
mkdir -p .cache && rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
' "$report" || echo "vitest: no report (exit $status)"
exit "$status"
