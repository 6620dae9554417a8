#!/usr/bin/env bash
# Builds and runs the replication benchmark; prints Markdown (docs/benchmarks.md holds a recorded run).
# Usage: bench/run.sh [--records N] [--small N] [--samples N] [--spokes N] [--only-latency | --only-bootstrap] [--bootstraps N]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx8g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.SpejlBench "$@"
