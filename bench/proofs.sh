#!/usr/bin/env bash
# Builds and runs the audit-log proof benchmark (issue 15): a million synced appends, then proof sizes and verify times.
# Usage: bench/proofs.sh [--entries N] [--appenders N] [--proofs N]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx2g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.ProofBench "$@"
