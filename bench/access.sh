#!/usr/bin/env bash
# Builds and runs the access benchmark (issue 15): submits approved by a grant, over gRPC with mutual TLS; prints Markdown.
# Usage: bench/access.sh [--seconds N] [--concurrency 1,4,16,64]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx2g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.AccessBench "$@"
