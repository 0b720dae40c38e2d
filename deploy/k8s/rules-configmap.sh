#!/usr/bin/env bash
# Copy rules/ flat into deploy/k8s/rules/ for the kustomize ConfigMap generator (kustomize only
# reads files below its own folder). Run from the repository root; then `kubectl apply -k deploy/k8s`.
set -euo pipefail
target=deploy/k8s/rules
rm -rf "$target"
mkdir -p "$target"
find rules -name '*.yaml' -not -path 'rules/tests/*' -exec cp {} "$target"/ \;
.venv/bin/trivsel lint "$target"
