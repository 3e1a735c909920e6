#!/usr/bin/env bash
# Builds hack/kstatus (a tiny wrapper around kstatus from sigs.k8s.io/cli-utils, the
# status library of Flux health checks and `flux wait`) from the Go module proxy, and
# caches it outside the work tree like hack/build-control-plane.sh. Idempotent: it
# rebuilds only when the program's sources changed.
#
# Prints the path of the binary on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/kstatus"
# The cli-utils version is pinned in the program's go.mod (with go.sum), its one source of truth.
version="$(awk '$1 == "sigs.k8s.io/cli-utils" { print $2 }' "$src/go.mod")"
[[ -n "$version" ]] || { echo "[build-kstatus] no sigs.k8s.io/cli-utils in $src/go.mod" >&2; exit 1; }

cache_root="${UNLEASH_OPERATOR_CACHE:-$HOME/.cache/unleash-accounts-operator}"
bin_dir="$cache_root/bin/kstatus-$version"
binary="$bin_dir/kstatus"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0

log() { echo "[build-kstatus] $*" >&2; }

# A changed main.go under the same cli-utils version must not reuse the old binary.
fingerprint="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -d' ' -f1)"

mkdir -p "$bin_dir"
# Test runs and people may start this at the same time: one builds, the others wait and reuse.
exec 9>"$cache_root/build-kstatus.lock"
flock 9
if [[ ! -x "$binary" || "$(cat "$bin_dir/fingerprint" 2>/dev/null)" != "$fingerprint" ]]; then
  log "building kstatus with sigs.k8s.io/cli-utils $version"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$bin_dir/.kstatus.partial" .)
  mv "$bin_dir/.kstatus.partial" "$binary"
  echo "$fingerprint" > "$bin_dir/fingerprint"
fi
echo "$binary"
