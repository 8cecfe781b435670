#!/usr/bin/env bash
# Builds the real Gitea the pull-request tests run against, idempotently and fast when nothing
# changed: `code.gitea.io/gitea` at the version test/gitea/go.mod pins, from the Go module
# proxy, with sqlite, into .cache/gitea/<version>/, rebuilt only when go.mod, go.sum or the Go
# version change (about 4 minutes cold on 2 cores).
# stdout: KPUSH_GITEA_BIN=… and KPUSH_GITEA_STATIC=… (the module's source directory: without
# bundled assets Gitea reads its options/ and templates/ from there, [server] STATIC_ROOT_PATH).
# stderr: progress and timings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KPUSH_CACHE_DIR:-$root/.cache}"

log() { printf 'gitea setup: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }
t_all="$(now)"

mkdir -p "$cache/gitea"
# Serialise concurrent runs (two test runs at once).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/gitea/.setup.lock"
  flock 9
fi

go_bin="$(command -v go || true)"
[[ -n "$go_bin" ]] || { [[ -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go; }
[[ -n "$go_bin" ]] || { log "Go is required to build Gitea (https://go.dev/dl)"; exit 1; }
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--mod=readonly}"

pin="$(awk '$1 == "code.gitea.io/gitea" { print $2; exit }' "$here/go.mod")"
[[ -n "$pin" ]] || { log "cannot find the code.gitea.io/gitea version in $here/go.mod"; exit 1; }
tags="sqlite sqlite_unlock_notify"
ldflags="-s -w -X main.Version=${pin#v}"
key="$(
  {
    "$go_bin" version
    printf '%s\n%s\n' "$tags" "$ldflags"
    cat "$here/go.mod" "$here/go.sum"
  } | sha256sum | cut -c1-32
)"
out_dir="$cache/gitea/$pin"
gitea_bin="$out_dir/gitea"
if [[ -x "$gitea_bin" && -f "$gitea_bin.key" && "$(cat "$gitea_bin.key")" == "$key" ]]; then
  log "gitea $pin is up to date"
else
  t="$(now)"
  mkdir -p "$out_dir"
  log "downloading Go modules for Gitea $pin"
  (cd "$here" && "$go_bin" mod download) >&2
  log "modules ready after $(since "$t"); compiling (about 4 minutes on a cold build cache)"
  (cd "$here" && "$go_bin" build -trimpath -tags "$tags" -ldflags="$ldflags" -o "$gitea_bin.tmp" code.gitea.io/gitea) >&2
  mv -f "$gitea_bin.tmp" "$gitea_bin"
  printf '%s\n' "$key" >"$gitea_bin.key"
  log "gitea $pin built in $(since "$t")"
fi

static="$(cd "$here" && "$go_bin" list -m -f '{{.Dir}}' code.gitea.io/gitea)"
[[ -d "$static/options" && -d "$static/templates" ]] || {
  log "the Gitea module source at $static has no options/ and templates/ (go mod download)"
  exit 1
}

log "done in $(since "$t_all")"
printf 'KPUSH_GITEA_BIN=%s\n' "$gitea_bin"
printf 'KPUSH_GITEA_STATIC=%s\n' "$static"
