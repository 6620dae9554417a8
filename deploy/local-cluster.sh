#!/usr/bin/env bash
# Builds Spejl and starts a hub plus the five regional spokes on loopback with a synthetic
# catalogue. Ctrl-C stops them all. Options are passed on (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
exec bash deploy/target/spejl/bin/spejl-local-cluster "$@"
