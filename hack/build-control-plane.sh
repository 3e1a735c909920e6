#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy
# (no binary downloads are possible on these machines) and caches them outside the
# work tree, keyed by version. Idempotent: a cached set is reused as it is.
#
# Prints the directory holding the binaries on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=hack/versions.env
source "$here/versions.env"

cache_root="${UNLEASH_OPERATOR_CACHE:-$HOME/.cache/unleash-accounts-operator}"
bin_dir="$cache_root/bin/k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { echo "[build-control-plane] $*" >&2; }

build_kubernetes() {
  local work="$cache_root/src/kubernetes-$KUBERNETES_VERSION"
  local minor="${KUBERNETES_VERSION#v1.}"
  local staging="v0.${minor}"
  mkdir -p "$work"
  local upstream_mod
  upstream_mod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module unleash-accounts-operator/control-plane"
    grep -E '^(go|godebug) ' "$upstream_mod"
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    # k8s.io/kubernetes requires its staging modules at v0.0.0 with replace lines
    # into ./staging, which Go ignores in a dependency: pin each to its release.
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$upstream_mod" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
  } > "$work/go.mod"
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
  (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true)
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
  ld+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  ld+=" -X k8s.io/component-base/version.gitTreeState=clean"
  ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
  for cmd in kube-apiserver kube-controller-manager; do
    log "building $cmd $KUBERNETES_VERSION"
    (cd "$work" && go build -trimpath -ldflags "$ld" -o "$bin_dir.partial/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  done
}

build_etcd() {
  # A module of its own, so etcd's newer dependencies stay out of the Kubernetes build.
  local work="$cache_root/src/etcd-$ETCD_VERSION"
  mkdir -p "$work"
  cat > "$work/go.mod" <<MOD
module unleash-accounts-operator/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  (cd "$work" && go mod tidy -e >/dev/null 2>&1 || true)
  log "building etcd $ETCD_VERSION"
  (cd "$work" && go build -trimpath -ldflags "-s -w" -o "$bin_dir.partial/etcd" go.etcd.io/etcd/server/v3)
}

if [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/kube-controller-manager" && -x "$bin_dir/etcd" ]]; then
  log "cached: $bin_dir"
else
  start=$(date +%s)
  rm -rf "$bin_dir.partial" && mkdir -p "$bin_dir.partial"
  build_etcd
  build_kubernetes
  rm -rf "$bin_dir" && mv "$bin_dir.partial" "$bin_dir"
  log "built in $(( $(date +%s) - start ))s: $bin_dir"
fi
echo "$bin_dir"
