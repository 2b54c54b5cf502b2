#!/usr/bin/env bash
# The project's test command: installs what is missing, builds, runs every test project.
# Tests start what they need themselves (PostgreSQL in a temp directory, the local cluster on a free port).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/prerequisites.sh
export PATH="$root/.tools/bin:$PATH"
export KUBECTL="$root/.tools/bin/kubectl" HELM="$root/.tools/bin/helm"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test PoolOperator.sln -c Release --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?

# One closing line for all test assemblies: "N passed, N failed, N skipped".
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         v = $(i + 1); gsub(/,/, "", v)
         if ($i == "Failed:") f += v; else if ($i == "Passed:") p += v; else if ($i == "Skipped:") s += v
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
