#!/usr/bin/env bash
# The project's main job on a machine without a cluster: the scale storm demo (see docs/benchmarks.md).
# Extra arguments go to the storm program, e.g. --help, --duration 120, --mode all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/prerequisites.sh
export PATH="$root/.tools/bin:$PATH"
exec dotnet run -c Release --project examples/ScaleStorm -- "$@"
