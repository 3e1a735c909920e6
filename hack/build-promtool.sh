#!/usr/bin/env bash
# Builds promtool (github.com/prometheus/prometheus, cmd/promtool) from the Go module
# proxy and caches it outside the work tree, keyed by version, like hack/build-helm.sh.
# The tests use it to `promtool check rules` and `promtool test rules` the chart's
# PrometheusRule. Idempotent: a cached binary built with the same flags is reused.
# PROMETHEUS_VERSION comes from hack/versions.env unless set in the environment.
#
# Prints the directory holding the promtool binary on its last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pinned_prometheus_version="$(sed -n 's/^PROMETHEUS_VERSION=//p' "$here/versions.env")"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-$pinned_prometheus_version}"
[[ -n "$PROMETHEUS_VERSION" ]] || { echo "[build-promtool] no PROMETHEUS_VERSION in $here/versions.env" >&2; exit 1; }

cache_root="${UNLEASH_OPERATOR_CACHE:-$HOME/.cache/unleash-accounts-operator}"
bin_dir="$cache_root/bin/promtool-$PROMETHEUS_VERSION"
binary="$bin_dir/promtool"
# `go install module@version` builds with the module's own go.mod and go.sum (the
# dependency versions Prometheus releases with) and ignores any workspace, so no
# wrapper module is needed; GOFLAGS must not carry -mod for it.
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

log() { echo "[build-promtool] $*" >&2; }

# Module versions 0.3XX.Y are Prometheus 3.XX.Y: the version promtool reports.
release="$(echo "$PROMETHEUS_VERSION" | sed -E 's/^v0\.3([0-9]{2})\.([0-9]+)$/3.\1.\2/; s/^3\.0([0-9])/3.\1/')"
# remove_all_sd drops the service-discovery plugins (cloud SDKs) that rule checks and
# rule unit tests never touch: a third of the build. netgo as in Prometheus's .promu.yml.
tags="netgo,remove_all_sd"
ldflags="-s -w -X github.com/prometheus/common/version.Version=$release"
ldflags+=" -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.Revision=$PROMETHEUS_VERSION"
# Other flags under the same version must not reuse the old binary.
fingerprint="$(echo "$PROMETHEUS_VERSION $tags $ldflags" | sha256sum | cut -d' ' -f1)"

start=$(date +%s)
mkdir -p "$bin_dir"
# Test runs and people may start this at the same time: one builds, the others wait and reuse.
exec 9>"$cache_root/build-promtool.lock"
flock 9
if [[ ! -x "$binary" || "$(cat "$bin_dir/fingerprint" 2>/dev/null)" != "$fingerprint" ]]; then
  log "building promtool $PROMETHEUS_VERSION ($release)"
  # go install writes into GOBIN under the package's name: a scratch directory beside
  # the cache entry, renamed into place only once the build has succeeded.
  scratch="$bin_dir/.partial"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  GOBIN="$scratch" go install -trimpath -tags "$tags" -ldflags "$ldflags" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  mv "$scratch/promtool" "$binary"
  rm -rf "$scratch"
  echo "$fingerprint" > "$bin_dir/fingerprint"
fi
log "ready in $(( $(date +%s) - start ))s: $binary"
echo "$bin_dir"
