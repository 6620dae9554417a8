#!/usr/bin/env bash
# Builds and runs the search benchmark (issue 13); prints Markdown (docs/benchmarks.md holds a recorded run).
# Usage: bench/search.sh [--records N] [--queries N] [--seconds N] [--concurrency 1,2,4,8] [--no-postgres]
# PostgreSQL 15 comes from Debian (apt-get install -y postgresql-15 when it is missing) and runs in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B install -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"
exec java -Xmx8g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$cp" dk.spejl.bench.SearchBench "$@"
