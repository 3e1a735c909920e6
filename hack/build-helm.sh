#!/usr/bin/env bash
# Builds helm (helm.sh/helm/v3, cmd/helm) from the Go module proxy and caches it outside
# the work tree, keyed by version, like hack/build-control-plane.sh. Idempotent: a cached
# binary is reused. HELM_VERSION comes from hack/versions.env unless set in the environment.
#
# Prints the path of the helm binary on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pinned_helm_version="$(sed -n 's/^HELM_VERSION=//p' "$here/versions.env")"
HELM_VERSION="${HELM_VERSION:-$pinned_helm_version}"

cache_root="${UNLEASH_OPERATOR_CACHE:-$HOME/.cache/unleash-accounts-operator}"
bin_dir="$cache_root/bin/helm-$HELM_VERSION"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { echo "[build-helm] $*" >&2; }

helm_module() {
  # A module of its own, so helm's dependency versions never mix with the Kubernetes build.
  local work="$cache_root/src/helm-$HELM_VERSION"
  [[ -f "$work/go.sum" ]] && { echo "$work"; return; }
  mkdir -p "$work"
  local upstream_mod
  upstream_mod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module unleash-accounts-operator/helm"
    grep -E '^go ' "$upstream_mod"
    echo "require helm.sh/helm/v3 $HELM_VERSION"
  } > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > "$work/tools.go"
  (cd "$work" && go mod tidy -e >&2)
  echo "$work"
}

# The flags helm's Makefile sets: its own version, and the Kubernetes version that
# `helm template` and `helm lint` assume (client-go's minor, major 1).
helm_ldflags() {
  local module_dir="$1" client_go minor
  client_go="$(cd "$module_dir" && go list -f '{{.Version}}' -m k8s.io/client-go)"
  minor="$(echo "$client_go" | cut -d. -f2)"
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ld+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
  ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
  echo "$ld"
}

start=$(date +%s)
mkdir -p "$bin_dir"
# Test runs and people may start this at the same time: one builds, the others wait and reuse.
exec 9>"$cache_root/build-helm.lock"
flock 9
if [[ ! -x "$bin_dir/helm" ]]; then
  module_dir="$(helm_module)"
  log "building helm $HELM_VERSION"
  (cd "$module_dir" && go build -trimpath -ldflags "$(helm_ldflags "$module_dir")" -o "$bin_dir/.helm.partial" helm.sh/helm/v3/cmd/helm)
  mv "$bin_dir/.helm.partial" "$bin_dir/helm"
fi
log "ready in $(( $(date +%s) - start ))s: $bin_dir/helm"
echo "$bin_dir/helm"
