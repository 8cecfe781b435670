#!/usr/bin/env bash
# The push-based GitOps flow, end to end, against throwaway local repositories:
# build-tag in an app repo, then bump-manifest (dry run, then for real) in an env repo.
# Everything happens in a temporary directory that is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$root/node_modules" ] || npm ci --prefix "$root" --no-audit --no-fund
npm run --prefix "$root" --silent build
kpush() { node "$root/bin/kpush.js" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME="Demo Developer" GIT_AUTHOR_EMAIL="dev@example.com"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

step "An environment repo (examples/env-repo) behind a bare remote"
cp -r "$root/examples/env-repo" "$work/env-src"
git -C "$work/env-src" init --quiet --initial-branch=main
git -C "$work/env-src" add -A && git -C "$work/env-src" commit --quiet -m "initial manifests"
git clone --quiet --bare "$work/env-src" "$work/env.git"
echo "remote: file://$work/env.git" >&2

step "An app repo on a feature branch: kpush build-tag"
mkdir -p "$work/app" && git -C "$work/app" init --quiet --initial-branch=feature/Login-Page
echo 'FROM scratch' > "$work/app/Dockerfile"
git -C "$work/app" add -A && git -C "$work/app" commit --quiet -m "app"
(cd "$work/app" && kpush build-tag)
(cd "$work/app" && kpush build-tag --strategy branch-sha)
(cd "$work/app" && kpush build-tag --json)
tag=$(cd "$work/app" && kpush build-tag)

step "kpush bump-manifest --dry-run (prints the diff, pushes nothing)"
kpush bump-manifest --repo "file://$work/env.git" --image "ghcr.io/acme/api:$tag" --path base --path overlays/staging --dry-run

step "kpush bump-manifest (commit and push)"
kpush bump-manifest --repo "file://$work/env.git" --image "ghcr.io/acme/api:$tag" --path base --path overlays/staging --path charts \
  --image ghcr.io/acme/worker:1.5.0 --image ghcr.io/acme/exporter:0.4.0

step "What landed in the env repo"
git --no-pager -C "$work/env.git" log -1 --stat --format='%H%n%an <%ae>%n%n%B' main

step "Running it again is a no-op"
kpush bump-manifest --repo "file://$work/env.git" --image "ghcr.io/acme/api:$tag" --path base --path overlays/staging

# The deploy half needs a cluster: `npm run -s cluster` in another terminal prints the KUBECONFIG
# to export here. Without one, the demo stops after the bump.
if [ -z "${KUBECONFIG:-}" ]; then
  step "kpush deploy: skipped (no cluster)"
  echo "Start one with 'npm run -s cluster' in another terminal, export the KUBECONFIG it prints," >&2
  echo "and run 'npm run demo' again to deploy overlays/staging to it." >&2
  exit 0
fi

step "kpush deploy --dry-run (server-side dry run of the env repo's staging overlay: diff + summary)"
kpush deploy --repo "file://$work/env.git" --path overlays/staging --app api --dry-run

step "kpush deploy (server-side apply, wait for the rollout, audit record)"
kpush deploy --repo "file://$work/env.git" --path overlays/staging --app api --prune --audit-file "$work/audit.jsonl"
echo "audit record: $(head -c 300 "$work/audit.jsonl")..." >&2

step "kpush history (read back from the cluster)"
kpush history --app api
