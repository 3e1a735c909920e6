#!/usr/bin/env bash
# The compatibility proof on one Kubernetes version: the oldest supported one (hack/versions.env), or the
# one given as $1 (e.g. v1.33.13). Builds that control plane beside the pinned one (cached by version) and
# runs, against it, the control-plane checks, admission (every CEL rule), the core and lifecycle
# scenarios, and the chart (helm install, helm template | kubectl apply --dry-run=server).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

oldest="$(sed -n 's/^OLDEST_KUBERNETES_VERSION=//p' hack/versions.env)"
export KUBERNETES_VERSION="${1:-$oldest}"
start=$(date +%s)
bash hack/build-control-plane.sh >/dev/null
bash hack/build-helm.sh >/dev/null
echo "[test-compat] Kubernetes $KUBERNETES_VERSION ready in $(( $(date +%s) - start ))s" >&2
npx vitest run --project integration \
  test/integration/control-plane.test.ts test/integration/core test/integration/lifecycle test/integration/chart
