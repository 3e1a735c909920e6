#!/usr/bin/env bash
# Installs what `npm test` runs besides Node.js and Go, from Debian/Ubuntu packages, and only
# what is missing (nothing at all when everything is there):
#   - lua5.1 and lua5.4: Argo CD runs its health scripts in Lua 5.1; the tests run
#     docs/gitops/argocd/health.lua under both.
#   - postgresql: the database of the real open-source Unleash server the tests run.
#   - openssl: the PKI of the test control plane.
# `.ci/run` calls it; on a machine of your own: `bash hack/install-test-deps.sh` (it asks sudo
# for apt-get when not run as root).
set -euo pipefail

missing=()
command -v openssl >/dev/null || missing+=(openssl)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v lua5.1 >/dev/null || missing+=(lua5.1)
command -v lua5.4 >/dev/null || missing+=(lua5.4)

if ((${#missing[@]} == 0)); then
  echo "[install-test-deps] nothing to install: openssl, PostgreSQL, lua5.1 and lua5.4 are there"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "[install-test-deps] no apt-get here: install ${missing[*]} with this system's package manager" >&2
  exit 1
fi
# apt-get needs root; sudo only when it is there and needed.
as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "[install-test-deps] run as root (or install sudo) to install ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "[install-test-deps] installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
# Through env: sudo does not pass the caller's environment on.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
