#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd from the Go module
# proxy (no binary downloads are possible on these machines) and caches them outside
# the work tree, keyed by version. Idempotent: only a missing binary is built.
#
# Prints the directory holding the binaries on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# KUBERNETES_VERSION from the environment wins over the pin, so a second version (the
# oldest supported one, see `npm run test:compat`) builds and caches beside the first.
wanted_kubernetes="${KUBERNETES_VERSION:-}"
# shellcheck source=hack/versions.env
source "$here/versions.env"
KUBERNETES_VERSION="${wanted_kubernetes:-$KUBERNETES_VERSION}"

cache_root="${UNLEASH_OPERATOR_CACHE:-$HOME/.cache/unleash-accounts-operator}"
bin_dir="$cache_root/bin/k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { echo "[build-control-plane] $*" >&2; }

# Builds one Go package into $bin_dir/<name> unless it is there; the rename makes it atomic.
build_into_cache() {
  local name="$1" module_dir="$2" package="$3" ldflags="$4"
  [[ -x "$bin_dir/$name" ]] && return 0
  log "building $name from $package"
  (cd "$module_dir" && go build -trimpath -ldflags "$ldflags" -o "$bin_dir/.$name.partial" "$package")
  mv "$bin_dir/.$name.partial" "$bin_dir/$name"
}

kubernetes_module() {
  local work="$cache_root/src/kubernetes-$KUBERNETES_VERSION"
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  [[ -f "$work/go.sum" ]] && { echo "$work"; return; }
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
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > "$work/tools.go"
  (cd "$work" && go mod tidy -e >&2)
  echo "$work"
}

etcd_module() {
  # A module of its own, so etcd's newer dependencies stay out of the Kubernetes build.
  local work="$cache_root/src/etcd-$ETCD_VERSION"
  [[ -f "$work/go.sum" ]] && { echo "$work"; return; }
  mkdir -p "$work"
  printf 'module unleash-accounts-operator/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$work/tools.go"
  (cd "$work" && go mod tidy -e >&2)
  echo "$work"
}

start=$(date +%s)
mkdir -p "$bin_dir"
# Test runs and people may start this at the same time: one builds, the others wait and reuse.
exec 9>"$cache_root/build.lock"
flock 9
if [[ ! -x "$bin_dir/etcd" ]]; then
  build_into_cache etcd "$(etcd_module)" go.etcd.io/etcd/server/v3 "-s -w"
fi
minor="${KUBERNETES_VERSION#v1.}"
ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
ld+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
ld+=" -X k8s.io/component-base/version.gitTreeState=clean"
ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
ld+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}"
for cmd in kube-apiserver kube-controller-manager kubectl; do
  [[ -x "$bin_dir/$cmd" ]] || build_into_cache "$cmd" "$(kubernetes_module)" "k8s.io/kubernetes/cmd/$cmd" "$ld"
done
log "ready in $(( $(date +%s) - start ))s: $bin_dir"
echo "$bin_dir"
